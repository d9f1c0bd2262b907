"""Guests written for a GICv2: the emulated GICv2 (emu_type 0x1) on a GICv3 host, where cvisor
emulates the GICv2 CPU interface and drives the vCPU's virtual IRQ line, and on a GICv2 host
(QEMU gic-version=2), where the VM's CPU interface is the hardware GICV frame fed from the GICH
list registers. Also a GICv2 VM next to a GICv3 VM on one host, and the original's NimbOS
config (every host device passed through by device-tree path) with interrupt_mode
"passthrough" on a GICv2 host and "emu" on a GICv3 host."""
import re
import subprocess
import sys

import pytest
from cvisor import BUILD, REPO, Machine, build_image, run_to_completion
from test_fs import fat_disk
from test_linux import PROMPT, interrupt_counts, poweroff, run, timer_and_ipis_rise_on_both_cpus

LINUX_V2 = "configs/vms/linux-gicv2-aarch64.toml"
LINUX_V3 = "configs/vms/linux-b-aarch64.toml"
GUEST_V2 = "configs/vms/gicv2-aarch64.toml"
GUEST_PT = "configs/vms/gicv2-pt-aarch64.toml"
GUEST_SHARED = "configs/vms/gicv2-shared-aarch64.toml"


def boot_linux(name, configs, gic, smp=2):
    image, _ = build_image(name, configs)
    m = Machine(image, f"{name}-host-gicv{gic}", smp=smp, timeout=240, gic=gic)
    m.expect(r"cvisor-guest: init started, uptime [\d.]+")
    m.expect(re.escape(PROMPT))
    return m


@pytest.mark.parametrize("gic", [3, 2])
def test_linux_on_a_gicv2_takes_timer_ticks_and_ipis_on_both_cpus(gic):
    m = boot_linux("linux-gicv2", [LINUX_V2], gic)
    try:
        first, problems = timer_and_ipis_rise_on_both_cpus(m, r"GIC-0\s+27\s.*arch_timer")
        assert "GICv3" not in first
        # A GICv2 guest must not be told of GICv3 system registers ("broken firmware" warning).
        assert problems == "", problems
        assert "WARNING:" not in m.text()
        out = poweroff(m)
        assert "vm1 'linux-gicv2' ended: shutdown" in out
    finally:
        m.close()


@pytest.mark.parametrize("config,gic", [(GUEST_V2, 3), (GUEST_V2, 2), (GUEST_SHARED, 2), (GUEST_PT, 2)],
                         ids=["soft-gicc", "gicv-gich", "gicv-gich-shared-pcpu", "interrupt-passthrough"])
def test_bare_metal_gicv2_guest_takes_timer_interrupts_and_sgis(config, gic):
    """Emulated GICv2 on a GICv3 host; on a GICv2 host (hardware GICV), also with both vCPUs on
    one pCPU (the timer PPI, left active for the vCPU whose guest has INTID 27 pending or active,
    is switched with the vCPU: the other one's timer must still fire); and with interrupt
    passthrough, where the 2 vCPUs own the physical CPU interfaces of their pCPUs and their
    SGIs go through the filtered distributor. Power-off must follow (a passthrough vCPU that
    never traps is brought out by revoking its stage 2)."""
    name = ("gicv2-pt" if config == GUEST_PT else "gicv2-shared" if config == GUEST_SHARED
            else f"gicv2-guest-host-gicv{gic}")
    # With interrupt passthrough one pCPU must stay the hypervisor's: a third one.
    text = run_to_completion(name, [config], smp=3 if config == GUEST_PT else 2, timeout=60, gic=gic)
    assert "gicv2: PASS" in text, text
    held = re.search(r"gicv2: cpu0 timer ended with its line high (\d+) times, taken again after at most (\d+) us", text)
    assert held and int(held.group(1)) == 3, text
    # A level-sensitive line still high at the EOI comes again at once (~0.1 ms). On a GICv2 host,
    # QEMU's model needs the hypervisor's help for that (vtimer_after_v2_tick); without it,
    # cpu0's WFI waited for the next event of the physical GIC, cpu1's tick ~10 ms later.
    assert int(held.group(2)) < 5000, text
    cpu = dict(re.findall(r"gicv2: (cpu\d) (timer=\d+ sgi=\d+ from=\d+)", text))
    for me, other in (("cpu0", "1"), ("cpu1", "0")):
        timer, sgi, sender = re.match(r"timer=(\d+) sgi=(\d+) from=(\d+)", cpu[me]).groups()
        assert int(timer) >= 10 and int(sgi) == 5 and sender == other, text
    if config == GUEST_PT:
        assert "interrupt passthrough: physical GICC" in text

def test_gicv2_vm_next_to_gicv3_vm_on_one_gicv3_host():
    """The GICv2 test guest on pCPUs 0-1 and a GICv3 Linux on pCPU 1: each sees its own GIC."""
    image, _ = build_image("gicv2-and-gicv3", [GUEST_V2, LINUX_V3])
    m = Machine(image, "gicv2-and-gicv3", smp=2, timeout=240)
    try:
        m.expect(r"gicv2: PASS")
        m.expect(r"cvisor-guest: init started")
        m.expect(re.escape(PROMPT))
        first = run(m, "cat /proc/interrupts")
        run(m, "sleep 0.5")
        second = run(m, "cat /proc/interrupts")
        assert "GICv3" in first
        t0, t1 = interrupt_counts(first, r"arch_timer"), interrupt_counts(second, r"arch_timer")
        assert sum(t1) > sum(t0), (first, second)
        out = poweroff(m)
        assert "vm7 'gicv2': shutdown" in out and "vm2 'linux-b': shutdown" in out
    finally:
        m.close()


# ---- the original's NimbOS config (kernel_path names the GICv2 test guest), from the disk ----

NIMBOS_PT = "configs/vms/nimbos-aarch64-qemu-smp1.toml"
NIMBOS_EMU = "configs/vms/nimbos-aarch64-qemu-smp1-emu.toml"
GUEST_BIN = BUILD / "guests" / "aarch64" / "gicv2.bin"


def run_from_disk(name, disk_files, gic, configs=(), smp=2, timeout=90):
    """Boots APP_FEATURES=fs with a FAT disk holding disk_files; returns the console text."""
    disk = fat_disk(name, disk_files)
    image, _ = build_image(f"fs-{name}", list(configs), extra=["APP_FEATURES=fs"])
    m = Machine(image, f"fs-{name}", smp=smp, timeout=timeout, gic=gic,
                extra=["-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"])
    try:
        status = m.wait_exit(timeout)
        text = m.text()
    finally:
        m.close()
    assert status == 0, text
    return text


def nimbos_files(config):
    return {"/guest/vm_default/nimbos.toml": (REPO / config).read_bytes(),
            "/guest/images/gicv2.bin": GUEST_BIN.read_bytes()}


def test_nimbos_config_with_interrupt_passthrough_on_a_gicv2_host():
    text = run_from_disk("nimbos-pt", nimbos_files(NIMBOS_PT), gic=2)
    assert "gicv2: PASS" in text, text
    ticks = int(re.search(r"gicv2: cpu0 timer=(\d+) sgi=5 from=0", text).group(1))
    assert ticks >= 10, text
    # The physical GIC CPU interface is the VM's; every host device but PCIe and what the
    # hypervisor keeps is passed through by path.
    assert "interrupt passthrough: physical GICC at 0x8010000, filtered GICD at 0x8000000" in text
    found = re.search(r"passthrough by path: (\d+) devices \((\d+) ranges, (\d+) interrupts\); (\d+) kept", text)
    assert found and int(found.group(1)) >= 20 and int(found.group(4)) >= 1, text
    assert "/pcie@10000000" not in text


def test_nimbos_config_with_emulated_gic_on_a_gicv3_host():
    text = run_from_disk("nimbos-emu", nimbos_files(NIMBOS_EMU), gic=3)
    assert "gicv2: PASS" in text, text
    ticks = int(re.search(r"gicv2: cpu0 timer=(\d+) sgi=5 from=0", text).group(1))
    assert ticks >= 10, text
    assert "interrupt passthrough" not in text


def test_interrupt_passthrough_is_refused_where_it_would_reach_other_vms_interrupts():
    """On a GICv3 host; and on a GICv2 host next to a VM on the same pCPU (the ticker, built in):
    a clear error naming the field, and the other VM still runs."""
    files = nimbos_files(NIMBOS_PT)
    text = run_from_disk("nimbos-pt-v3", files, gic=3, configs=["configs/vms/ticker-aarch64.toml"])
    assert re.search(r"nimbos.toml.*devices.interrupt_mode.*needs a GICv2 host", text), text
    assert "ticker(vm4): done" in text
    text = run_from_disk("nimbos-pt-shared", files, gic=2, configs=["configs/vms/ticker-aarch64.toml"])
    assert re.search(r"nimbos.toml.*passthrough.*pCPU 0 also runs vm4 'ticker'", text), text
    assert "ticker(vm4): done" in text and "gicv2: PASS" not in text


def test_gicv2_host_steady_timer_tick_costs_what_the_bench_goal_allows(tmp_path):
    """The virtual timer's tick on a GICv2 host is linked to PPI 27 (GICH_LR HW bit; the host GIC
    in EOImode 1 leaves the PPI active for the guest) and the steady one is served in the exit
    vector: no distributor masking and no EOI maintenance exit per tick. The bench guest's GICv2
    build measures it under -icount (instructions, deterministic), under cvisor and on bare QEMU;
    the added cost must meet make bench's goal for it (it was +348 with the masked, unlinked tick)."""
    sys.path.insert(0, str(REPO / "scripts"))
    import bench  # noqa: E402  (make bench's runs, the same command lines)

    image, _ = build_image("bench-gicv2-emu", [bench.BENCH_GICV2_EMU_CONFIG])
    elf = BUILD / "guests" / "aarch64" / "bench-gicv2.elf"
    r = subprocess.run(["make", "-s", "CONFIG_MK=", f"BUILD={BUILD}", "ARCH=aarch64", str(elf)], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    images = {"bench_gicv2_emu": image, "guest_gicv2_elf": elf}
    emu = bench.run_micro("gicv2-emu", images, 200, 8, tmp_path, 120)["timer_irq_latency"]
    bare = bench.run_micro("gicv2-bare", images, 200, 8, tmp_path, 120)["timer_irq_latency"]
    op, limit, _ = bench.GOALS["timer_irq_added_gicv2_emu_instructions"]
    assert op == "<=" and emu - bare <= limit, f"timer latency {emu} instructions, bare {bare}: +{emu - bare} > +{limit}"
