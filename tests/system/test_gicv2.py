"""Guests written for a GICv2: the emulated GICv2 (emu_type 0x1) on a GICv3 host, where cvisor
emulates the GICv2 CPU interface and drives the vCPU's virtual IRQ line, and on a GICv2 host
(QEMU gic-version=2), where the VM's CPU interface is the hardware GICV frame fed from the GICH
list registers. Also a GICv2 VM next to a GICv3 VM on one host."""
import re

import pytest
from cvisor import Machine, build_image, run_to_completion
from test_linux import PROMPT, interrupt_counts, poweroff, run

LINUX_V2 = "configs/vms/linux-gicv2-aarch64.toml"
LINUX_V3 = "configs/vms/linux-b-aarch64.toml"
GUEST_V2 = "configs/vms/gicv2-aarch64.toml"


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
        assert run(m, "nproc").strip() == "2"
        run(m, "(while :; do :; done) & (while :; do :; done) & sleep 0.2")
        first = run(m, "cat /proc/interrupts")
        run(m, "sleep 1")
        second = run(m, "cat /proc/interrupts")
        run(m, "kill %1 %2")
        timer = r"GIC-0\s+27\s.*arch_timer"
        t0, t1 = interrupt_counts(first, timer), interrupt_counts(second, timer)
        assert len(t1) == 2 and all(b > a for a, b in zip(t0, t1)), (first, second)
        i0, i1 = interrupt_counts(first, r"^\s*IPI\d"), interrupt_counts(second, r"^\s*IPI\d")
        assert all(b > a for a, b in zip(i0, i1)), (first, second)
        assert "GICv3" not in first
        # A GICv2 guest must not be told of GICv3 system registers ("broken firmware" warning).
        problems = run(m, "dmesg | grep -iE 'gic|timer|psci|smp|firmware' | grep -iE 'error|fail|warn|bug|stuck|broken' || true")
        assert problems.strip() == "", problems
        assert "WARNING:" not in m.text()
        out = poweroff(m)
        assert "vm1 'linux-gicv2' ended: shutdown" in out
    finally:
        m.close()


@pytest.mark.parametrize("gic", [3, 2])
def test_bare_metal_gicv2_guest_takes_timer_interrupts_and_sgis(gic):
    text = run_to_completion(f"gicv2-guest-host-gicv{gic}", [GUEST_V2], smp=2, timeout=60, gic=gic)
    assert "gicv2: PASS" in text, text
    cpu = dict(re.findall(r"gicv2: (cpu\d) (timer=\d+ sgi=\d+ from=\d+)", text))
    for me, other in (("cpu0", "1"), ("cpu1", "0")):
        timer, sgi, sender = re.match(r"timer=(\d+) sgi=(\d+) from=(\d+)", cpu[me]).groups()
        assert int(timer) >= 10 and int(sgi) == 5 and sender == other, text


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
