"""APP_FEATURES=fs on x86_64 (issue 15): the FAT disk is a virtio-blk-pci function on q35 (PCI
enumeration through MCFG's ECAM, the modern virtio-pci capabilities, the BARs mapped, MSI-X), as
the platform's PLATFORM_QEMU_BLK attaches it for `make ARCH=x86_64 APP_FEATURES=fs run`. One
image (a built-in ticker beside the disk's VMs) serves both boots; the disk of the first is the
one `make ARCH=x86_64 disk_img` builds."""
import re
import subprocess

import pytest
from cvisor import BUILD, REPO, SYSTEST, Machine, build_image
from test_fs import MT

ARCH = "x86_64"
LOOP_CONFIG = b"""[base]
id = 2
name = "loop"
vm_type = 1
cpu_num = 1
phys_cpu_ids = [1]
[kernel]
entry_point = 0x20_0000
image_location = "fs"
kernel_path = "/guest/images/payload.bin"
kernel_load_addr = 0x20_0000
memory_regions = [[0x0, 0x100_0000, 0x7, 0]]
[devices]
emu_devices = [["com1", 0x3f8, 8, 4, 0x2, []]]
passthrough_devices = []
interrupt_mode = "no_irq"
"""


@pytest.fixture(scope="module")
def image():
    return build_image("fs-x86_64", ["configs/vms/ticker-x86_64.toml"], arch=ARCH, extra=["APP_FEATURES=fs"])[0]


def boot(image, name, disk):
    m = Machine(image, name, timeout=60, arch=ARCH, extra=[
        "-drive", f"if=none,file={disk},format=raw,id=blk0", "-device", "virtio-blk-pci,romfile=,drive=blk0"])
    try:
        status = m.wait_exit(60)
        return status, m.text()
    finally:
        m.close()


def corrupt_cluster_chain(disk, short_name):
    """Makes the file's first cluster point to itself in every FAT (a FAT32 loop)."""
    data = bytearray(disk.read_bytes())
    reserved = int.from_bytes(data[14:16], "little")
    fats, fat_size = data[16], int.from_bytes(data[36:40], "little") * 512
    entry = data.find(short_name)
    assert entry > 0
    cluster = (int.from_bytes(data[entry + 20:entry + 22], "little") << 16 |
               int.from_bytes(data[entry + 26:entry + 28], "little"))
    for k in range(fats):
        at = reserved * 512 + k * fat_size + 4 * cluster
        data[at:at + 4] = cluster.to_bytes(4, "little")
    disk.write_bytes(bytes(data))


def test_a_multiboot_guest_loads_from_the_disk_make_disk_img_builds(image):
    """The hello guest and its config from `make ARCH=x86_64 disk_img`; beside it on the disk a
    config whose kernel file has a looping cluster chain: that VM is refused by name, the others run."""
    disk = SYSTEST / "disk-x86_64.img"
    r = subprocess.run(["make", "-s", f"BUILD={BUILD}", f"ARCH={ARCH}", f"DISK_IMG={disk}",
                        "DISK_CONFIGS=configs/vms/hello-x86_64-fs.toml", "disk_img"], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    payload = SYSTEST / "payload.bin"
    payload.write_bytes(bytes((i * 13) & 0xFF for i in range(600 * 1024)))
    loop = SYSTEST / "b-loop.toml"
    loop.write_bytes(LOOP_CONFIG)
    subprocess.run(["mcopy", "-i", str(disk), str(payload), "::/guest/images/payload.bin"], env=MT, check=True)
    subprocess.run(["mcopy", "-i", str(disk), str(loop), "::/guest/vm_default/b-loop.toml"], env=MT, check=True)
    corrupt_cluster_chain(disk, b"PAYLOAD BIN")
    status, out = boot(image, "fs-x86_64-disk", disk)
    assert status == 0, out
    assert re.search(r"blockdev: virtio-blk0, 96 MiB", out), out
    assert "fs: virtio-blk0: FAT32 volume mounted" in out
    assert "vm1 'hello-fs': 1 vCPU on pCPU 0, 16 MiB RAM, kernel '/guest/images/hello.bin' (from disk)" in out
    assert "[vm1] hello: multiboot magic 0x2badb002" in out
    assert "vm1 'hello-fs' ended: shutdown" in out
    assert re.search(r"b-loop.toml:\d+: kernel.kernel_path: VM 'loop': disk:/guest/images/payload.bin: "
                     r"corrupted file system", out), out
    assert "ticker(vm4): done" in out
    assert "virtio-pci" not in out  # no capability of QEMU's device refused


def test_a_corrupted_disk_is_reported_and_the_built_in_vm_runs(image):
    disk = SYSTEST / "notfat-x86_64.img"
    disk.write_bytes(bytes((i * 7 + 3) & 0xFF for i in range(4 * 1024 * 1024)))
    status, out = boot(image, "fs-x86_64-notfat", disk)
    assert status == 0, out
    assert "fs: virtio-blk0: cannot mount: not a FAT16/FAT32 file system" in out
    assert "ticker(vm4): done" in out
