"""cvisor's emulated virtio devices (docs/virtio.md) in Debian's Linux: the virtio console (hvc0)
joined to the console focus. Needs `make guest-images` (the initramfs carries the virtio
modules)."""
import hashlib
import os
import random
import re
import subprocess

from cvisor import REPO, SYSTEST, Machine, build_image

MT = dict(os.environ, MTOOLS_SKIP_CHECK="1")

LINUX_HVC = "configs/vms/linux-virtio-console-aarch64.toml"
PROMPT = "~ # "
ESC = "\x1d"  # Ctrl-]
_seq = 0


def boot(name, configs, smp=2, timeout=180):
    image, _ = build_image(name, configs)
    m = Machine(image, name, smp=smp, timeout=timeout)
    m.expect(r"cvisor-guest: init started, uptime [\d.]+")
    m.expect(re.escape(PROMPT))
    return m


def run(m, cmd, timeout=60, prompt=PROMPT):
    """Runs cmd in the focused guest shell; returns its output (markers computed by the shell, so
    the echoed command line cannot match them)."""
    global _seq
    _seq += 1
    m.sendline(f"echo B{_seq}$((1+1)); {cmd}; echo E{_seq}$((2+2))")
    match = m.expect(rf"(?s)B{_seq}2\s*?\n(.*?)E{_seq}4", timeout=timeout)
    m.expect(re.escape(prompt))
    # Lines other VMs print through the console hypercall ([vmN] ...) may come in between.
    return "".join(l for l in match.group(1).replace("\r", "").splitlines(True) if not re.match(r"\[vm\d+\] ", l))


def test_virtio_console_carries_a_shell_on_hvc0():
    m = boot("virtio-hvc", [LINUX_HVC])
    try:
        # The generated device tree lists the device; the driver bound and made hvc0.
        assert "virtio,mmio" in run(m, "cat /sys/firmware/devicetree/base/virtio_mmio@a000000/compatible")
        assert run(m, "cat /sys/bus/virtio/devices/virtio0/device").strip() == "0x0003"
        assert run(m, "ls /dev/hvc0").strip() == "/dev/hvc0"
        # Output written to hvc0 while the UART has the focus is kept for hvc0's turn.
        run(m, "echo hvc-early-$((40+2)) > /dev/hvc0")
        # A shell on hvc0, then Ctrl-]: the focus moves from ttyAMA0 to hvc0.
        run(m, "setsid sh -c 'PS1=\"hvc # \" exec sh -i </dev/hvc0 >/dev/hvc0 2>&1' & sleep 0.5")
        m.send(ESC)
        m.expect(r"--- console of vm1 'linux-hvc' hvc0 \(Ctrl-\] switches\) ---")
        m.expect(r"hvc-early-42")
        m.sendline("")
        m.expect(re.escape("hvc # "))
        # Typed input reaches the hvc0 shell, its output comes back through the transmit queue.
        out = run(m, "echo $((6*7)); tty; cat /proc/interrupts | grep -c virtio", prompt="hvc # ")
        assert out.split() == ["42", "/dev/hvc0", "1"], out
        # Bulk output (more than one receive/transmit buffer) arrives whole and in order.
        out = run(m, "seq 1 3000", prompt="hvc # ")
        assert out.split() == [str(i) for i in range(1, 3001)], out[-200:]
        # Ctrl-] again: the shell (the VM has no more consoles), then back to ttyAMA0.
        m.send(ESC)
        m.expect(r"--- cvisor shell")
        m.send(ESC)
        m.expect(r"--- console of vm1 'linux-hvc' \(Ctrl-\] switches\) ---")
        m.sendline("")
        m.expect(re.escape(PROMPT))
        irqs = run(m, "grep virtio /proc/interrupts")
        assert int(irqs.split()[1]) > 0, irqs
    finally:
        m.close()


LINUX = "configs/vms/linux-aarch64.toml"
VHOSTILE = "tests/configs/hostile/virtio.toml"


def test_hostile_virtio_driver_breaks_only_its_own_device():
    """guests/vhostile feeds its virtio console loops, chains longer than the queue, buffers
    outside its RAM, zero, 4 GiB and wrapping lengths, bad indirect tables and indices, for
    ever on pCPU 1: each time the device must stop with DEVICE_NEEDS_RESET (never a hypervisor
    fault), work again after a reset, and Debian's Linux on pCPU 0 must go on working."""
    m = boot("virtio-hostile", [LINUX, VHOSTILE])
    try:
        assert run(m, "echo $((6*7))").strip() == "42"
        assert "vhostile: round 1: 19 attacks refused, 0 failures, device working" in m.text()
        # Linux works while the attacks go on.
        out = run(m, "dd if=/dev/zero bs=64k count=256 2>/dev/null | md5sum")
        assert out.split()[0] == "2c7ab85a893283e98c931e9511add182", out  # 16 MiB of zeros
        later = m.expect(r"vhostile: round (\d+): (\d+) attacks refused, (\d+) failures", timeout=60)
        assert int(later.group(1)) > 1 and later.group(3) == "0", later.group(0)
        assert int(later.group(2)) == 19 * int(later.group(1))
        assert run(m, "echo still $((6*7))").strip() == "still 42"
        text = m.text()
        for what in ["descriptor chain longer than its table (loop)", "buffer outside the VM's RAM",
                     "zero-length buffer or chain over 4 GiB", "bad indirect descriptor",
                     "descriptor index past the table", "avail index ran more than the queue size ahead",
                     "device-readable buffer after a writable one", "bad queue size or ring address"]:
            assert re.search(rf"vm7.*virtio-console@0xa000000: queue 1: {re.escape(what)}; the device stops", text), what
        # The log is bounded: 32 errors, then one line.
        assert len(re.findall(r"virtio-console@0xa000000: queue 1:", text)) == 32
        assert "virtio-console@0xa000000: 32 driver errors; further ones are not logged" in text
        assert "ended" not in "\n".join(l for l in text.splitlines() if "vm7" in l or "vhostile" in l)
        assert "panic" not in text.lower()
    finally:
        m.close()


LINUX_BLK = "configs/vms/linux-virtio-blk-aarch64.toml"


def fat_disk_with(name, files, size_kib=64 * 1024):
    """A FAT32 disk (mkfs.fat + mtools, no root) holding files {path: bytes}."""
    SYSTEST.mkdir(parents=True, exist_ok=True)
    img = SYSTEST / f"{name}.img"
    img.unlink(missing_ok=True)
    subprocess.run(["mkfs.fat", "-C", "-F", "32", str(img), str(size_kib)], check=True, capture_output=True)
    subprocess.run(["mmd", "-i", str(img), "::/guest", "::/guest/vm_default"], env=MT, check=True)
    for path, data in files.items():
        src = SYSTEST / f"{name}.{os.path.basename(path)}"
        src.write_bytes(data)
        subprocess.run(["mcopy", "-i", str(img), str(src), "::" + path], env=MT, check=True)
    return img


def file_on_disk(img, path):
    return subprocess.run(["mtype", "-i", str(img), "::" + path], env=MT, check=True, capture_output=True).stdout


def test_virtio_blk_over_a_file_on_the_fat_disk_reads_writes_and_keeps_data_across_a_vm_restart():
    data = random.Random(18).randbytes(4 << 20)
    disk = fat_disk_with("virtio-blk", {"/guest/vdisk.img": data})
    image, _ = build_image("virtio-blk", [LINUX_BLK], extra=["APP_FEATURES=fs"])
    m = Machine(image, "virtio-blk", timeout=180,
                extra=["-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"])
    try:
        m.expect(r"virtio-blk: '/guest/vdisk.img', 8192 sectors in \d+ extents")
        m.expect(re.escape(PROMPT))
        # The guest reads the file whole: same bytes as the host's.
        assert run(m, "cat /sys/block/vda/size").strip() == "8192"
        assert run(m, "md5sum /dev/vda").split()[0] == hashlib.md5(data).hexdigest()
        # It writes 1 MiB at 1 MiB (and a short record at sector 7) and flushes.
        run(m, "dd if=/dev/urandom of=/tmp/w bs=64k count=16 2>/dev/null; dd if=/tmp/w of=/dev/vda bs=64k seek=16 "
               "conv=fsync 2>/dev/null; echo written-by-linux | dd of=/dev/vda bs=512 seek=7 conv=fsync 2>/dev/null; sync")
        wsum = run(m, "md5sum /tmp/w").split()[0]
        assert run(m, "dd if=/dev/vda bs=64k skip=16 count=16 2>/dev/null | md5sum").split()[0] == wsum
        # VIRTIO_BLK_F_FLUSH: Linux sends flushes (its cache mode says so).
        assert run(m, "cat /sys/block/vda/queue/write_cache").strip() == "write back"
        # VM restart from the shell: the new kernel reads back what the old one wrote.
        m.send(ESC)
        m.expect(r"--- cvisor shell")
        m.sendline("vm stop 1")
        m.expect(r"vm1 'linux-blk' ended")
        m.sendline("vm start 1")
        m.expect(r"vm1 'linux-blk': 1 vCPU on pCPU 0")
        m.send(ESC)
        m.expect(r"--- console of vm1 'linux-blk'")
        m.expect(r"cvisor-guest: init started")
        m.expect(re.escape(PROMPT))
        m.sendline("")
        m.expect(re.escape(PROMPT))
        assert run(m, "dd if=/dev/vda bs=64k skip=16 count=16 2>/dev/null | md5sum").split()[0] == wsum
        assert run(m, "dd if=/dev/vda bs=512 skip=7 count=1 2>/dev/null | head -n 1").strip() == "written-by-linux"
        m.sendline("poweroff -f")
        m.expect(r"vm1 'linux-blk' ended: shutdown")
    finally:
        m.close()
    # On the host: the file on the FAT disk holds the writes, in place; nothing else moved.
    after = file_on_disk(disk, "/guest/vdisk.img")
    assert len(after) == len(data)
    assert after[7 * 512:7 * 512 + 17] == b"written-by-linux\n"
    assert hashlib.md5(after[1 << 20:2 << 20]).hexdigest() == wsum
    assert after[:7 * 512] == data[:7 * 512] and after[2 << 20:] == data[2 << 20:]


def test_virtio_blk_read_only_refuses_writes_and_a_missing_file_fails_only_its_vm():
    data = random.Random(19).randbytes(1 << 20)
    disk = fat_disk_with("virtio-blk-ro", {"/guest/vdisk.img": data})
    text = (REPO / LINUX_BLK).read_text()
    ro = SYSTEST / "virtio-blk-ro.toml"
    ro.write_text(text.replace('0xE1, []]', '0xE1, [1]]'))  # cfg[0] bit 0: read-only
    missing = SYSTEST / "virtio-blk-missing.toml"
    missing.write_text(text.replace('id = 1', 'id = 2').replace('name = "linux-blk"', 'name = "blk-missing"')
                       .replace('phys_cpu_ids = [0]', 'phys_cpu_ids = [1]').replace("/guest/vdisk.img", "/guest/nope.img"))
    image, _ = build_image("virtio-blk-ro", [ro, missing], extra=["APP_FEATURES=fs"])
    m = Machine(image, "virtio-blk-ro", timeout=180,
                extra=["-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"])
    try:
        m.expect(re.escape(PROMPT))
        assert re.search(r"virtio-blk-missing.toml:\d+: kernel.disk_path: '/guest/nope.img': no such file or directory",
                         m.text())
        assert re.search(r"virtio-blk: '/guest/vdisk.img', 2048 sectors in \d+ extents, read-only", m.text())
        assert run(m, "cat /sys/block/vda/ro").strip() == "1"
        assert run(m, "md5sum /dev/vda").split()[0] == hashlib.md5(data).hexdigest()
        out = run(m, "echo x | dd of=/dev/vda bs=512 seek=3 conv=fsync; echo status=$?")
        assert "status=1" in out, out
        # Linux honours the read-only flag itself; a driver that ignores it gets an I/O error
        # from the device (VIRTIO_BLK_S_IOERR), see docs/virtio.md.
        m.sendline("poweroff -f")
        m.expect(r"vm1 'linux-blk' ended: shutdown")
    finally:
        m.close()
    assert file_on_disk(disk, "/guest/vdisk.img") == data
