"""cvisor's virtio-mmio devices in riscv64 VMs (issue 18): virtio-blk over a host disk,
virtio-console and virtio-net, each in the generated device tree with a source of the VM's vPLIC,
its interrupt delivered through the vPLIC as a level, and each driven by the hostile bare-metal
driver guests/vhostile (docs/virtio.md). One QEMU run, three VMs on two pCPUs."""
import random
import re

from cvisor import SYSTEST, Machine, build_image

ARCH = "riscv64"
CONFIGS = ["tests/configs/hostile/virtio-blk-riscv64.toml", "tests/configs/hostile/virtio-riscv64.toml",
           "tests/configs/hostile/virtio-net-riscv64.toml"]
SECTORS = 2048


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def test_virtio_blk_console_and_net_in_riscv64_vms_through_the_vplic_and_against_a_hostile_driver():
    """Each VM finds its device in its device tree (virtio,mmio at 0x10001000, its PLIC source,
    interrupt-parent the PLIC); the first used buffer's interrupt is taken as the supervisor
    external interrupt, claimed, pending again after the completion while the interrupt status is
    set, and gone once the driver acknowledges it. virtio-blk reads the host disk's first 64 KiB
    (the host's checksum) and, round after round, writes its last sector and reads it back. Every
    VM feeds its device 19 kinds of malformed chains (loops, chains longer than the queue, buffers
    outside RAM or on a device, zero, wrapping and 4 GiB lengths, bad indirect tables, indices
    past the ring): each breaks only that VM's device, logged for that VM, and the three keep
    working beside each other."""
    SYSTEST.mkdir(parents=True, exist_ok=True)
    disk = SYSTEST / "riscv64-virtio-disk.img"
    data = random.Random(18).randbytes(SECTORS * 512)
    disk.write_bytes(data)
    image, _ = build_image("riscv64-virtio", CONFIGS, arch=ARCH)
    m = Machine(image, "riscv64-virtio", smp=2, mem="1G", timeout=60, arch=ARCH,
                extra=["-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"])
    try:
        # each VM's report after its first round, then one at least 2 s (guest time) later
        later = {}
        while len(later) < 3:
            r = m.expect(r"\[vm(\d)\] vhostile: round (\d+): (\d+) attacks refused, (\d+) failures")
            if int(r.group(2)) > 1:
                later[int(r.group(1))] = (int(r.group(2)), int(r.group(4)))
        out = m.text()
    finally:
        m.close()
    for vm, (rounds, failures) in later.items():
        assert rounds > 1 and failures == 0, (vm, rounds, failures)
        assert f"[vm{vm}] vhostile: round 1: 19 attacks refused, 0 failures" in out, out
    for vm, irq, kind in ((1, 1, "virtio-blk"), (2, 3, "virtio-console"), (3, 2, "virtio-net")):
        assert (f"[vm{vm}] vhostile: DTB: virtio_mmio@10001000 at 0x10001000, size 0x200, interrupt {irq} of "
                "riscv,plic0 at 0xc000000") in out, out
        assert (f"[vm{vm}] vhostile: PLIC source {irq}: pending, taken; claim {irq}; completed, status 0x1 set: "
                f"pending, claim {irq}; acked: not pending, claim 0") in out, out
        # the attacks are logged for the VM whose device they broke, and only for it
        own = re.findall(rf"cpu\d vm(\d) W: {kind}@0x10001000: queue \d: ", out)
        assert own and set(own) == {str(vm)}, (kind, set(own))
    assert re.search(r"cpu\d vm1 W: virtio-blk@0x10001000: queue 0: descriptor chain longer than its table", out)
    assert "ended" not in out and "fatal" not in out.lower(), out
    # virtio-blk: the first 64 KiB as the host wrote them; the last sector written with a round
    # number and read back in every round; nothing else of the disk changed
    read = re.search(r"\[vm1\] vhostile: virtio-blk of (\d+) sectors: read 65536 bytes at sector 0 \(status 0\), "
                     r"fnv1a ([0-9a-f]{16})", out)
    assert read and int(read.group(1)) == SECTORS and int(read.group(2), 16) == fnv1a(data[:65536]), out
    trips = re.findall(r"\[vm1\] vhostile: round (\d+): \d+ attacks refused, 0 failures, (\d+) block round trips", out)
    assert trips and all(int(t) == 2 * int(r) for r, t in trips), trips
    after = disk.read_bytes()
    assert after[:-512] == data[:-512]
    last = re.fullmatch(rb"vhostile: sector 2047 written in round (\d+)\n\x00*", after[-512:])
    assert last and int(last.group(1)) >= 1, after[-512:]
