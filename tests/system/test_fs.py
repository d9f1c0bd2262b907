"""APP_FEATURES=fs: VM configs from /guest/vm_default and images with image_location = "fs" read
from a FAT disk through the base's virtio-blk driver; every disk error names the VM and path and
never stops the other VMs. Disks are made with mkfs.fat + mtools (no root, no mount)."""
import os
import re
import subprocess

from cvisor import REPO, SYSTEST, BUILD, Machine, build_image

GUESTS = BUILD / "guests" / "aarch64"
MT = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def fat_disk(name, files, fat=16, size_kib=32 * 1024):
    """files: {disk path: bytes}. Returns the image path."""
    SYSTEST.mkdir(parents=True, exist_ok=True)
    img = SYSTEST / f"{name}.img"
    img.unlink(missing_ok=True)
    subprocess.run(["mkfs.fat", "-C", "-F", str(fat), str(img), str(size_kib)], check=True, capture_output=True)
    dirs = sorted({os.path.dirname(p) for p in files} - {"/"})
    for d in dirs:
        parts = d.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            subprocess.run(["mmd", "-D", "s", "-i", str(img), "::/" + "/".join(parts[:i])], env=MT,
                           capture_output=True)
    for path, data in files.items():
        src = SYSTEST / f"{name}.{os.path.basename(path)}"
        src.write_bytes(data)
        subprocess.run(["mcopy", "-i", str(img), str(src), "::" + path], env=MT, check=True)
    return img


def guest_config(vm_id, name, kernel_path, region_size="0x100_0000", load="0x4008_0000", pcpu=0):
    # hello (vm1) also writes to the PL011 itself: an emulated one where the config names the host's.
    pt = '[["pl011", 0x0900_0000, 0x0900_0000, 0x1000, 33]]' if vm_id == 1 else "[]"
    return f"""[base]
id = {vm_id}
name = "{name}"
vm_type = 1
cpu_num = 1
phys_cpu_ids = [{pcpu}]
[kernel]
entry_point = {load}
image_location = "fs"
kernel_path = "{kernel_path}"
kernel_load_addr = {load}
memory_regions = [[0x4000_0000, {region_size}, 0x7, 0]]
[devices]
emu_devices = []
passthrough_devices = {pt}
interrupt_mode = "no_irq"
""".encode()


def boot_with_disk(name, disk, configs=(), timeout=120):
    image, _ = build_image(f"fs-{name}", list(configs), extra=["APP_FEATURES=fs"])
    return Machine(image, f"fs-{name}", timeout=timeout,
                   extra=["-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"])


def run_to_end(m, timeout=60):
    try:
        assert m.wait_exit(timeout) == 0
        return m.text()
    finally:
        m.close()


def test_linux_boots_from_the_disk_made_by_make_disk_img():
    disk = SYSTEST / "disk-linux.img"
    r = subprocess.run(["make", "-s", f"BUILD={BUILD}", f"DISK_IMG={disk}", "disk_img"], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    m = boot_with_disk("linux", disk, timeout=180)
    m.expect(r"fs: virtio-blk0: FAT32 volume mounted")
    m.expect(r"fs: loaded /guest/images/linux-aarch64.Image: \d+ KiB in \d+ ms \(\d+ MB/s\)")
    m.expect(r"vm1 'linux-fs': 1 vCPU on pCPU 0, 256 MiB RAM, kernel '/guest/images/linux-aarch64.Image' \(from disk\)")
    m.expect(r"cvisor-guest: init started")
    m.expect(r"~ # ")
    m.sendline("poweroff -f")
    out = run_to_end(m)
    assert "vm1 'linux-fs' ended: shutdown" in out


def test_test_guests_and_their_configs_come_from_a_fat16_disk():
    hello = (GUESTS / "hello.bin").read_bytes()
    ticker = (GUESTS / "ticker.bin").read_bytes()
    disk = fat_disk("fat16-guests", {
        "/guest/vm_default/A long config file name.toml": guest_config(1, "hello-disk", "/bins/hello.bin"),
        "/guest/vm_default/ticker.toml": guest_config(4, "ticker-disk", "/bins/Ticker guest.bin", pcpu=1),
        "/guest/vm_default/notes.txt": b"not a config",
        "/bins/hello.bin": hello,
        "/bins/Ticker guest.bin": ticker,
    })
    out = run_to_end(boot_with_disk("fat16-guests", disk))
    assert "fs: virtio-blk0: FAT16 volume mounted" in out
    assert "vm1 'hello-disk': 1 vCPU on pCPU 0, 16 MiB RAM, kernel '/bins/hello.bin' (from disk)" in out
    assert "[vm1] hello: running in vm1 on vcpu0" in out
    assert "vm1 'hello-disk' ended: shutdown" in out
    assert "ticker(vm4): done" in out
    assert "notes.txt" not in out


def test_disk_errors_name_the_vm_and_path_and_others_boot():
    hello = (GUESTS / "hello.bin").read_bytes()
    big = bytes(range(256)) * 64  # 16 KiB: larger than a 4 KiB region
    disk = fat_disk("errors", {
        "/guest/vm_default/missing.toml": guest_config(2, "missing", "/bins/nope.bin", pcpu=1),
        "/guest/vm_default/toobig.toml": guest_config(3, "toobig", "/bins/big.bin", region_size="0x1000",
                                                      load="0x4000_0000", pcpu=1),
        "/guest/vm_default/hello.toml": guest_config(1, "hello-disk", "/bins/hello.bin"),
        "/bins/hello.bin": hello,
        "/bins/big.bin": big,
    })
    out = run_to_end(boot_with_disk("errors", disk))
    assert re.search(r"missing.toml:\d+: kernel.kernel_path: VM 'missing': disk:/bins/nope.bin: no such file", out)
    assert re.search(r"toobig.toml:\d+: kernel.kernel_load_addr: VM 'toobig': kernel image of 0x4000 bytes", out)
    assert "[vm1] hello: powering off" in out


def test_a_disk_that_is_not_fat_is_reported_and_built_in_vms_boot():
    disk = SYSTEST / "notfat.img"
    disk.write_bytes(bytes((i * 7 + 3) & 0xFF for i in range(4 * 1024 * 1024)))
    out = run_to_end(boot_with_disk("notfat", disk, configs=["configs/vms/hello-aarch64.toml"]))
    assert "fs: virtio-blk0: cannot mount: not a FAT16/FAT32 file system" in out
    assert "vm1 'hello' ended: shutdown" in out


def test_corrupted_fat_and_failing_reads_are_reported_per_vm():
    hello = (GUESTS / "hello.bin").read_bytes()
    payload = bytes((i * 13) & 0xFF for i in range(600 * 1024))
    disk = fat_disk("corrupt", {
        "/guest/vm_default/a-hello.toml": guest_config(1, "hello-disk", "/bins/hello.bin"),
        "/guest/vm_default/b-loop.toml": guest_config(2, "loop", "/bins/payload.bin", pcpu=1),
        "/bins/hello.bin": hello,
        "/bins/payload.bin": payload,
    }, fat=32, size_kib=40 * 1024)
    # Corrupt payload.bin's cluster chain: make its first cluster point to itself (a loop).
    data = bytearray(disk.read_bytes())
    reserved = int.from_bytes(data[14:16], "little")
    fat_off = reserved * 512
    start = data.find(b"PAYLOAD BIN")
    cluster = int.from_bytes(data[start + 20:start + 22], "little") << 16 | int.from_bytes(data[start + 26:start + 28], "little")
    fats = data[16]
    fat_size = int.from_bytes(data[36:40], "little") * 512
    for k in range(fats):
        data[fat_off + k * fat_size + 4 * cluster:fat_off + k * fat_size + 4 * cluster + 4] = cluster.to_bytes(4, "little")
    disk.write_bytes(bytes(data))
    out = run_to_end(boot_with_disk("corrupt", disk))
    assert re.search(r"b-loop.toml:\d+: kernel.kernel_path: VM 'loop': disk:/bins/payload.bin: corrupted file system", out), out
    assert "[vm1] hello: powering off" in out
    # A failing read: QEMU's blkdebug fails reads of the image's first data sector with EIO.
    good = fat_disk("eio", {
        "/guest/vm_default/hello.toml": guest_config(1, "hello-disk", "/bins/hello.bin"),
        "/guest/vm_default/late.toml": guest_config(2, "late", "/bins/late.bin", pcpu=1),
        "/bins/hello.bin": hello,
        "/bins/late.bin": payload,
    }, fat=32, size_kib=40 * 1024)
    sector = good.read_bytes().find(payload[:4096]) // 512 + 16
    conf = SYSTEST / "blkdebug.conf"
    conf.write_text(f'[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "{sector}"\n')
    image, _ = build_image("fs-eio", [], extra=["APP_FEATURES=fs"])
    m = Machine(image, "fs-eio", timeout=60, extra=["-drive", f"if=none,id=d0,format=raw,file=blkdebug:{conf}:{good}",
                                                     "-device", "virtio-blk-device,drive=d0"])
    out = run_to_end(m)
    assert re.search(r"late.toml:\d+: kernel.kernel_path: VM 'late': disk:/bins/late.bin: I/O error", out), out
    assert "[vm1] hello: powering off" in out


def test_a_truncated_disk_is_reported_and_built_in_vms_boot():
    disk = fat_disk("truncated-src", {"/guest/vm_default/x.toml": b"[base]\n"}, fat=32, size_kib=40 * 1024)
    cut = SYSTEST / "truncated.img"
    cut.write_bytes(disk.read_bytes()[:1024 * 1024])
    out = run_to_end(boot_with_disk("truncated", cut, configs=["configs/vms/hello-aarch64.toml"]))
    assert "fs: virtio-blk0: cannot mount: corrupted file system" in out
    assert "vm1 'hello' ended: shutdown" in out


def test_shell_vm_create_from_a_config_on_the_disk():
    ticker = (GUESTS / "ticker.bin").read_bytes()
    disk = fat_disk("create", {
        "/guest/vm_default/ticker.toml": guest_config(4, "ticker-disk", "/bins/ticker.bin", pcpu=1),
        "/extra/second.toml": guest_config(8, "second", "/bins/ticker.bin"),
        "/extra/same-id.toml": guest_config(4, "clash", "/bins/ticker.bin"),
        "/bins/ticker.bin": ticker,
    })
    m = boot_with_disk("create", disk)
    try:
        m.expect(r"vm4 'ticker-disk': 1 vCPU on pCPU 1")
        m.send("\x1d")  # no VM has an emulated console: straight to the shell
        m.expect(r"cvisor> ")
        m.sendline("vm create /extra/same-id.toml")
        m.expect(r"base.id: VM id 4 is already used")
        m.expect(r"vm create: /extra/same-id.toml: not created")
        m.sendline("vm create /extra/second.toml")
        m.expect(r"vm8 'second': 1 vCPU on pCPU 0, 16 MiB RAM, kernel '/bins/ticker.bin' \(from disk\)")
        m.expect(r"ticker\(vm8\): tick 3")
        m.sendline("vm stats 8")
        m.expect(r"vm8 'second': \d+ exits")
        m.expect(r"ms in the guest, \d+ ms in the hypervisor")
    finally:
        m.close()
