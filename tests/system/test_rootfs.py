"""Debian's Linux with its root file system on a disk (root=/dev/vda): the ext4 image that
`make guest-images` builds (busybox and an init; docs/guest-images.md), once on QEMU's virtio-blk
passed through to the VM and once on cvisor's own virtio-blk over a file on the FAT disk
(docs/virtio.md). The initramfs loads virtio_mmio, virtio_blk and ext4, mounts the disk and
switches to it."""
import hashlib
import random
import re
import shutil
import subprocess

from cvisor import ARCH, BUILD, REPO, SYSTEST, Machine, build_image
from test_virtio import MT, PROMPT, fat_disk_with, file_on_disk, run
from test_virtio_net import focus

# This build tree's link to the image `make guest-images` built for this checkout.
ROOTFS = BUILD / "guest-images" / ARCH / f"rootfs-{ARCH}.ext4"
ROOTFS_ON_FAT = f"/guest/images/rootfs-{ARCH}.ext4"


def ext4_file(image, path):
    """A file's contents in an ext4 image, read on the host (debugfs, no mount)."""
    r = subprocess.run(["debugfs", "-R", f"cat {path}", str(image)], capture_output=True, check=True)
    return r.stdout


def fsck_clean(image):
    r = subprocess.run(["e2fsck", "-fn", str(image)], capture_output=True, text=True)
    return r.returncode == 0, r.stdout + r.stderr


def boot_to_the_disk(m, timeout=180):
    m.expect(r"cvisor-guest: switching to the root file system on /dev/vda \(ext4, rw\)", timeout=timeout)
    m.expect(r"cvisor-rootfs: init started on the disk")
    m.expect(re.escape(PROMPT))


def the_guest_runs_on_the_disk(m, image):
    """What every root=/dev/vda boot must show: / is the ext4 disk, read-write, and its files are
    the image's."""
    mounts = run(m, "mount")
    assert re.search(r"^/dev/vda on / type ext4 \(rw", mounts, re.M), mounts
    assert "rootfs on / " not in mounts  # switch_root left the initramfs behind
    assert run(m, "cat /etc/cvisor-rootfs").strip() == ext4_file(image, "/etc/cvisor-rootfs").decode().strip()
    busybox = hashlib.md5(ext4_file(image, "/bin/busybox")).hexdigest()
    assert run(m, "md5sum /bin/busybox").split()[0] == busybox
    assert run(m, "cat /sys/block/vda/ro").strip() == "0"


LINUX_ROOTFS = "configs/vms/linux-rootfs-aarch64.toml"
LINUX_HOSTDISK = "configs/vms/linux-hostdisk-aarch64.toml"
HELLO = "configs/vms/hello-aarch64.toml"
SHMEM_PONG = "configs/vms/shmem-pong-aarch64.toml"


def partitioned_disk(name, parts, total_sectors):
    """A disk image with an MBR partition table: parts is [(first sector, bytes, type)]; the rest
    of the disk is random bytes (so a write in the wrong place shows)."""
    rng = random.Random(name)
    disk = bytearray(rng.randbytes(total_sectors * 512))
    mbr = bytearray(512)
    for i, (first, data, ptype) in enumerate(parts):
        assert len(data) % 512 == 0
        e = 446 + 16 * i
        mbr[e + 4] = ptype
        mbr[e + 8:e + 12] = first.to_bytes(4, "little")
        mbr[e + 12:e + 16] = (len(data) // 512).to_bytes(4, "little")
        disk[first * 512:first * 512 + len(data)] = data
    mbr[510:512] = b"\x55\xaa"
    disk[:512] = mbr
    path = SYSTEST / f"{name}.img"
    path.write_bytes(disk)
    return path


def variant(src, out, **subs):
    """A copy of config src (written as SYSTEST/out.toml) with textual substitutions old -> new."""
    text = (REPO / src).read_text()
    for old, new in subs.values():
        assert old in text, (src, old)
        text = text.replace(old, new)
    path = SYSTEST / f"{out}.toml"
    path.write_text(text)
    return path


def wants_disk(vm_id, spec):
    """A bare-metal VM whose virtio-blk device asks for host disk spec: refused, never started."""
    return variant(HELLO, f"wants-disk-{vm_id}", id=("id = 1", f"id = {vm_id}"),
                   name=('name = "hello"', f'name = "wants-{spec}"'),
                   disk=('kernel_path = "hello.bin"', f'kernel_path = "hello.bin"\ndisk_path = "{spec}"'),
                   dev=("emu_devices = []", 'emu_devices = [["vda", 0x0a00_0000, 0x200, 48, 0xE1, []]]'),
                   cpu=("phys_cpu_ids = [0]", "phys_cpu_ids = [1]"),
                   uart=('[["pl011", 0x0900_0000, 0x0900_0000, 0x1000, 33]]', "[]"))


def test_linux_root_on_cvisors_virtio_blk_over_a_file_and_on_host_disk_partitions_each_one_vms():
    """cvisor's virtio-blk (docs/virtio.md), two cvisor runs with the same two disks: QEMU's FAT
    disk (virtio-blk0, the hypervisor's: APP_FEATURES=fs) holding the root image as a file, and a
    disk with an MBR partition table (virtio-blk1): the root image in partition 1, random bytes
    in partition 2 and around them.
    Run 1: VM 1's root is the file, VM 2's root is partition 1 of virtio-blk1, both read-write;
    each writes a file. VMs asking for the whole of virtio-blk1, a partition already given out,
    a missing partition or disk, or the hypervisor's FAT disk are refused with a clear error and
    the others run.
    Run 2 (cvisor restarted): partition 1 given read-only to one VM, as its root: it reads back
    what run 1 wrote there, Linux sees a read-only disk holding the partition's bytes and can
    write nothing.
    On the host: both roots hold their writes and are clean ext4, nothing else changed."""
    SYSTEST.mkdir(parents=True, exist_ok=True)
    root = ROOTFS.read_bytes()
    fat = fat_disk_with("rootfs-fat", {})
    subprocess.run(["mmd", "-i", str(fat), "::/guest/images"], env=MT, check=True)
    subprocess.run(["mcopy", "-i", str(fat), str(ROOTFS), "::" + ROOTFS_ON_FAT], env=MT, check=True)
    data = random.Random(2).randbytes(1 << 20)
    p1, p2 = 2048, 2048 + len(root) // 512 + 2048
    parts = partitioned_disk("hostdisk", [(p1, root, 0x83), (p2, data, 0x83)], p2 + len(data) // 512 + 2048)
    before = parts.read_bytes()
    # QEMU lists the second disk's transport first in its device tree: the FAT disk is virtio-blk0.
    drives = ["-drive", f"if=none,file={parts},format=raw,id=d1", "-device", "virtio-blk-device,drive=d1",
              "-drive", f"if=none,file={fat},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"]
    p1_root = variant(LINUX_HOSTDISK, "hostdisk-p1", id=("id = 1", "id = 2"), cpu=("phys_cpu_ids = [0]", "phys_cpu_ids = [1]"),
                      disk=('"virtio-blk0p1"', '"virtio-blk1p1"'))
    refused = {wants_disk(3, "virtio-blk1"): r"sectors overlap 'virtio-blk1p1', which belongs to VM 2 'linux-hostdisk' "
                                             r"\(a disk or partition is one VM's\)",
               wants_disk(4, "virtio-blk1p1"): r"sectors overlap 'virtio-blk1p1', which belongs to VM 2",
               wants_disk(5, "virtio-blk1p3"): r"virtio-blk1: partition 3: no such partition",
               wants_disk(6, "virtio-blk9"): r"no such host disk or partition \(disks: virtio-blk0, virtio-blk1; ",
               wants_disk(7, "virtio-blk0p1"): r"virtio-blk0 holds the hypervisor's FAT volume"}
    image, _ = build_image("rootfs-fat", [LINUX_ROOTFS, p1_root] + list(refused), extra=["APP_FEATURES=fs"])
    token_file, token_part = ("%016x" % random.getrandbits(64) for _ in range(2))
    m = Machine(image, "rootfs-fat", timeout=240, extra=drives)
    try:
        m.expect(rf"virtio-blk: '{ROOTFS_ON_FAT}', {len(root) // 512} sectors in \d+ extents")
        m.expect(rf"virtio-blk: 'virtio-blk1p1', {len(root) // 512} sectors from sector {p1} of host disk "
                 r"virtio-blk1, this VM's alone")
        boot_to_the_disk(m)
        out = m.text()
        for cfg, why in refused.items():
            assert re.search(rf"{cfg.name}:\d+: kernel.disk_path: '[^']+': {why}", out), (cfg.name, why)
        assert "hello: running" not in out  # none of them started
        # VM 1: root on the file.
        the_guest_runs_on_the_disk(m, ROOTFS)
        assert run(m, "cat /sys/block/vda/serial").strip() == "cvisor-vdisk"  # cvisor's device
        run(m, f"echo {token_file} > /root/from-the-guest")
        m.sendline("exit")  # the disk's init syncs, remounts / read-only and powers off
        m.expect(r"vm1 'linux-rootfs' ended: shutdown")
        # VM 2: root on partition 1 of the other disk.
        focus(m, "linux-hostdisk", prompt=False)
        m.sendline("")
        m.expect(re.escape(PROMPT))
        the_guest_runs_on_the_disk(m, ROOTFS)
        assert run(m, "cat /sys/block/vda/size").strip() == str(len(root) // 512)
        run(m, f"echo {token_part} > /root/from-the-guest")
        m.sendline("exit")
        m.expect(r"vm2 'linux-hostdisk' ended: shutdown")
    finally:
        m.close()
    # cvisor again with the same disks: partition 1 read-only to one VM, its root (mounted ro).
    p1_after = parts.read_bytes()[p1 * 512:p1 * 512 + len(root)]
    # The same boot carries docs/shmem.md's Linux example: the VM also maps region "pingpong"
    # (no doorbell), which guests/shmem's echo role (VM 4) shares and polls.
    p1_ro = variant(LINUX_HOSTDISK, "hostdisk-p1-ro", name=('"linux-hostdisk"', '"linux-ro"'),
                    cmdline=(" root=/dev/vda", " root=/dev/vda ro"), ro=("0xE1, []]", "0xE1, [1]]"),
                    disk=('"virtio-blk0p1"', '"virtio-blk1p1"'),
                    shmem=('interrupt_mode = "emu"', 'shmem_regions = [["pingpong", 0x5000_0000, 0x4_0000, 0]]\n'
                                                     'interrupt_mode = "emu"'))
    echo = variant(SHMEM_PONG, "shmem-echo", id=("id = 2", "id = 4"), name=('name = "pong"', 'name = "echo"'))
    image, _ = build_image("rootfs-fat-again", [p1_ro, echo], extra=["APP_FEATURES=fs"])
    m = Machine(image, "rootfs-fat-again", timeout=240, extra=drives)
    try:
        m.expect(rf"virtio-blk: 'virtio-blk1p1', {len(root) // 512} sectors from sector {p1} of host disk "
                 r"virtio-blk1, this VM's alone, read-only")
        m.expect(r"cvisor-guest: switching to the root file system on /dev/vda \(ext4, ro\)", timeout=180)
        m.expect(r"cvisor-rootfs: init started on the disk")
        m.expect(re.escape(PROMPT))
        assert run(m, "cat /root/from-the-guest").strip() == token_part  # written before the restart
        assert re.search(r"^/dev/vda on / type ext4 \(ro", run(m, "mount"), re.M)
        assert run(m, "cat /sys/block/vda/ro").strip() == "1"  # the device says so (VIRTIO_BLK_F_RO)
        assert run(m, "md5sum /dev/vda").split()[0] == hashlib.md5(p1_after).hexdigest()
        out = run(m, "mount -o remount,rw /; echo status=$?; echo x > /root/new; echo status=$?; "
                     "echo x | dd of=/dev/vda bs=512 seek=3 conv=fsync; echo status=$?")
        statuses = re.findall(r"status=(\d+)", out)
        assert len(statuses) == 3 and "0" not in statuses, out  # no remount rw, no file, no raw write
        # Linux and a bare-metal VM exchange messages through the shared region, Linux by
        # /dev/mem (devmem) at the address its device tree gives; the peer polls and answers
        # (struct channel in guests/shmem/main.c: ping_seq at 0x18, ping_val 0x20, pong_seq
        # 0x28, pong_val 0x30).
        assert "cvisor,shmem" in run(m, "cat /proc/device-tree/shmem@50000000/compatible")
        assert run(m, "cat /proc/device-tree/shmem@50000000/cvisor,region").strip("\x00\n") == "pingpong"
        for seq, value in [(1, 0x1234), (2, 0xabcdef)]:
            out = run(m, f"devmem 0x50000020 64 {value:#x}; devmem 0x50000018 64 {seq}; "
                         f"while [ $(($(devmem 0x50000028 64))) != {seq} ]; do sleep 0.05; done; devmem 0x50000030 64")
            assert int(out.split()[-1], 16) == value * 5 + 2, out
            assert f"shmem(vm4): echo: message {seq}, value {value:#x} answered" in m.text()
        m.sendline("exit")
        m.expect(r"vm1 'linux-ro' ended: shutdown")
    finally:
        m.close()
    assert parts.read_bytes()[p1 * 512:p1 * 512 + len(root)] == p1_after  # nothing written
    for name, image_bytes, token in [("file", file_on_disk(fat, ROOTFS_ON_FAT), token_file),
                                     ("p1", parts.read_bytes()[p1 * 512:p1 * 512 + len(root)], token_part)]:
        after = SYSTEST / f"rootfs-fat.{name}.ext4"
        after.write_bytes(image_bytes)
        assert len(image_bytes) == len(root)
        assert ext4_file(after, "/root/from-the-guest").decode().strip() == token
        ok, report = fsck_clean(after)
        assert ok, (name, report)
    now = parts.read_bytes()
    assert now[:p1 * 512] == before[:p1 * 512]  # the table and the gap before partition 1
    assert now[p1 * 512 + len(root):] == before[p1 * 512 + len(root):]  # partition 2 and the rest


def test_linux_root_on_qemus_virtio_blk_passed_through():
    """QEMU's virtio-blk disk given to the VM by passthrough holds its root: the hypervisor leaves
    the disk alone (also when another VM then asks cvisor for a host disk: it is not probed, so
    not given), Linux mounts it as / and writes to it; after the guest powers off the host finds
    the file in the image and the file system clean."""
    SYSTEST.mkdir(parents=True, exist_ok=True)
    disk = SYSTEST / "rootfs-pt.ext4"
    shutil.copyfile(ROOTFS, disk)
    image, _ = build_image("rootfs-pt", ["configs/vms/linux-rootfs-pt-aarch64.toml", wants_disk(2, "virtio-blk0")])
    m = Machine(image, "rootfs-pt", timeout=240,
                extra=["-drive", f"if=none,file={disk},format=raw,id=blk0", "-device", "virtio-blk-device,drive=blk0"])
    try:
        m.expect(r"passthrough by path: 1 devices \(1 ranges, 1 interrupts\)")
        m.expect(r"virtio-blk at 0xa003e00: given to a VM by passthrough; not probed")
        m.expect(r"wants-disk-2.toml:\d+: kernel.disk_path: 'virtio-blk0': no such host disk or partition "
                 r"\(disks: none;")
        boot_to_the_disk(m)
        the_guest_runs_on_the_disk(m, ROOTFS)
        assert run(m, "cat /sys/bus/virtio/devices/virtio0/device").strip() == "0x0002"  # QEMU's block device
        token = "%016x" % random.getrandbits(64)
        run(m, f"echo {token} > /root/from-the-guest")
        m.sendline("exit")  # the disk's init syncs, remounts / read-only and powers off
        m.expect(r"vm1 'linux-rootfs-pt' ended: shutdown")
        assert "blockdev: virtio-blk" not in m.text()  # the hypervisor did not touch the disk
    finally:
        m.close()
    assert ext4_file(disk, "/root/from-the-guest").decode().strip() == token
    ok, report = fsck_clean(disk)
    assert ok, report
