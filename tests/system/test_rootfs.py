"""Debian's Linux with its root file system on a disk (root=/dev/vda): the ext4 image that
`make guest-images` builds (busybox and an init; docs/guest-images.md), once on QEMU's virtio-blk
passed through to the VM and once on cvisor's own virtio-blk over a file on the FAT disk
(docs/virtio.md). The initramfs loads virtio_mmio, virtio_blk and ext4, mounts the disk and
switches to it."""
import hashlib
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

from cvisor import ARCH, SYSTEST, Machine, build_image
from test_virtio import MT, PROMPT, fat_disk_with, file_on_disk, run

CACHE_DIR = Path(os.environ.get("CACHE_DIR") or Path.home() / ".cache" / "cvisor")
ROOTFS = CACHE_DIR / "images" / ARCH / f"rootfs-{ARCH}.ext4"
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


def test_linux_root_on_qemus_virtio_blk_passed_through():
    """QEMU's virtio-blk disk given to the VM by passthrough holds its root: the hypervisor leaves
    the disk alone, Linux mounts it as / and writes to it; after the guest powers off the host
    finds the file in the image and the file system clean."""
    SYSTEST.mkdir(parents=True, exist_ok=True)
    disk = SYSTEST / "rootfs-pt.ext4"
    shutil.copyfile(ROOTFS, disk)
    image, _ = build_image("rootfs-pt", ["configs/vms/linux-rootfs-pt-aarch64.toml"])
    m = Machine(image, "rootfs-pt", timeout=240,
                extra=["-drive", f"if=none,file={disk},format=raw,id=blk0", "-device", "virtio-blk-device,drive=blk0"])
    try:
        m.expect(r"passthrough by path: 1 devices \(1 ranges, 1 interrupts\)")
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


def test_linux_root_on_cvisors_virtio_blk_over_a_file_survives_a_cvisor_restart():
    """cvisor's virtio-blk over the image as a file on the FAT disk holds the root: Linux mounts it
    as / and writes to it; a second cvisor run with the same FAT disk boots from it again and
    reads the file back; on the host the image in the FAT file system is clean."""
    SYSTEST.mkdir(parents=True, exist_ok=True)
    disk = fat_disk_with("rootfs-fat", {})
    subprocess.run(["mmd", "-i", str(disk), "::/guest/images"], env=MT, check=True)
    subprocess.run(["mcopy", "-i", str(disk), str(ROOTFS), "::" + ROOTFS_ON_FAT], env=MT, check=True)
    image, _ = build_image("rootfs-fat", ["configs/vms/linux-rootfs-aarch64.toml"], extra=["APP_FEATURES=fs"])
    drive = ["-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"]
    token = "%016x" % random.getrandbits(64)
    m = Machine(image, "rootfs-fat", timeout=240, extra=drive)
    try:
        m.expect(rf"virtio-blk: '{ROOTFS_ON_FAT}', {ROOTFS.stat().st_size // 512} sectors in \d+ extents")
        boot_to_the_disk(m)
        the_guest_runs_on_the_disk(m, ROOTFS)
        assert run(m, "cat /sys/block/vda/serial").strip() == "cvisor-vdisk"  # cvisor's device
        run(m, f"echo {token} > /root/from-the-guest")
        m.sendline("exit")
        m.expect(r"vm1 'linux-rootfs' ended: shutdown")
    finally:
        m.close()
    # cvisor again, the same disk: the root holds what the first run wrote.
    m = Machine(image, "rootfs-fat-again", timeout=240, extra=drive)
    try:
        boot_to_the_disk(m)
        assert run(m, "cat /root/from-the-guest").strip() == token
        m.sendline("exit")
        m.expect(r"vm1 'linux-rootfs' ended: shutdown")
    finally:
        m.close()
    after = SYSTEST / "rootfs-fat.after.ext4"
    after.write_bytes(file_on_disk(disk, ROOTFS_ON_FAT))
    assert after.stat().st_size == ROOTFS.stat().st_size
    assert ext4_file(after, "/root/from-the-guest").decode().strip() == token
    ok, report = fsck_clean(after)
    assert ok, report
