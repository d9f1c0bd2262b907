"""Devices passed through by host device-tree path to a Linux VM: cvisor maps the node's
registers, forwards its SPI through the vGIC (masked at the host until the guest deactivates
it) and copies the node, with the clock it needs, into the generated guest device tree."""
import re

import pytest
from cvisor import REPO, Machine, build_image
from test_linux import PROMPT, poweroff, run

RTC_V3 = "configs/vms/linux-rtc-aarch64.toml"
RTC_V2 = "configs/vms/linux-rtc-gicv2-aarch64.toml"


def rtc_irqs(text):
    line = next((l for l in text.splitlines() if "pl031" in l), None)
    assert line is not None, text
    return int(line.split()[1])


@pytest.mark.parametrize("config,gic", [(RTC_V3, 3), (RTC_V2, 3), (RTC_V2, 2)],
                         ids=["vgicv3", "vgicv2-soft-gicc", "vgicv2-on-gicv2-host"])
def test_linux_finds_the_host_rtc_passed_through_by_path_and_takes_its_alarm_interrupt(config, gic):
    """The forwarded SPI through each delivery path: GICv3 list registers, the software GICv2
    CPU interface (GICv3 host), GICH list registers (GICv2 host)."""
    name = "linux-rtc-" + ("v3" if "gicv2" not in config else "v2")
    image, _ = build_image(name, [config])
    m = Machine(image, f"{name}-host-gicv{gic}", timeout=240, gic=gic)
    try:
        m.expect(r"cvisor-guest: init started")
        m.expect(re.escape(PROMPT))
        assert "pl031" in run(m, "cat /sys/class/rtc/rtc0/name")
        # the RTC is the host's (QEMU's wall clock), not a guest clock that starts at 1970
        assert int(run(m, "date +%Y").strip()) >= 2024
        before = rtc_irqs(run(m, "cat /proc/interrupts"))
        run(m, "echo 0 > /sys/class/rtc/rtc0/wakealarm; echo +1 > /sys/class/rtc/rtc0/wakealarm; sleep 3")
        after = rtc_irqs(run(m, "cat /proc/interrupts"))
        assert after > before, (before, after)
        # the alarm fired once and was cleared: no interrupt storm from a level line left high
        run(m, "sleep 1")
        assert rtc_irqs(run(m, "cat /proc/interrupts")) == after
        out = poweroff(m)
        assert re.search(r"passthrough by path: 1 devices \(1 ranges, 1 interrupts\)", out), out
    finally:
        m.close()


def test_a_device_passed_through_goes_to_one_vm_only():
    """The ticker takes the host RTC by path; a second VM asking for the same page, by path
    or by address, does not get it: left out (path) or refused with an error (address)."""
    from cvisor import SYSTEST, run_to_completion
    SYSTEST.mkdir(parents=True, exist_ok=True)
    ticker = (REPO / "configs/vms/ticker-aarch64.toml").read_text().replace(
        "passthrough_devices = []", 'passthrough_devices = [["/pl031@9010000"]]')
    a = SYSTEST / "rtc-owner.toml"
    a.write_text(ticker)
    by_path = SYSTEST / "rtc-by-path.toml"
    by_path.write_text(ticker.replace("id = 4", "id = 5").replace('name = "ticker"', 'name = "second"')
                       .replace("phys_cpu_ids = [0]", "phys_cpu_ids = [1]"))
    by_addr = SYSTEST / "rtc-by-address.toml"
    by_addr.write_text(ticker.replace("id = 4", "id = 6").replace('name = "ticker"', 'name = "third"')
                       .replace("phys_cpu_ids = [0]", "phys_cpu_ids = [1]")
                       .replace('[["/pl031@9010000"]]', '[["rtc", 0x0901_0000, 0x0901_0000, 0x1000, 34]]'))
    out = run_to_completion("rtc-one-owner", [a, by_path, by_addr], timeout=60)
    assert re.search(r"vm4 I: passthrough by path: 1 devices .*0 held by other VMs", out), out
    assert re.search(r"vm5 I: passthrough by path: 0 devices .*1 held by other VMs", out), out
    assert re.search(r"rtc-by-address.toml:\d+: devices.passthrough_devices\[0\]: 'rtc' \[0x9010000, 0x9011000\) "
                     r"overlaps vm4 /pl031@9010000, which another VM holds", out), out
    assert "ticker(vm4): done" in out and "ticker(vm5): done" in out


def test_a_passthrough_vm_spinning_with_interrupts_masked_is_stopped_and_restarted_from_the_shell():
    """A VM that owns its pCPU's GIC CPU interface never traps by itself: `vm stop` revokes its
    stage 2 so it faults out at once, and the pCPU, its GIC state and its memory come back
    (same free pages after each cycle); `vm start` gives it the pCPU again."""
    from cvisor import SYSTEST
    SYSTEST.mkdir(parents=True, exist_ok=True)
    cfg = SYSTEST / "pt-spinner.toml"
    cfg.write_text((REPO / "configs/vms/hostile-spin-aarch64.toml").read_text()
                   .replace('interrupt_mode = "no_irq"', 'interrupt_mode = "passthrough"')
                   .replace("phys_cpu_ids = [0]", "phys_cpu_ids = [1]"))
    image, _ = build_image("pt-spinner", [cfg])
    m = Machine(image, "pt-spinner", timeout=60, gic=2)
    try:
        m.expect(r"vm6 I: interrupt passthrough: physical GICC")
        m.expect(r"hostile: vm6 spinning with interrupts masked")
        m.send("\x1d")
        m.expect(r"cvisor> ")
        free = []
        for cycle in range(3):
            m.sendline("vm stop 6")
            m.expect(r"vm6 'spinner' ended: shutdown \(stopped from the shell\)")
            m.sendline("mem")
            free.append(int(m.expect(r"pages: (\d+) free, \d+ used").group(1)))
            m.sendline("vm start 6")
            m.expect(r"hostile: vm6 spinning with interrupts masked")
        assert len(set(free)) == 1, free
        m.sendline("vm pause 6")
        m.expect(r"cannot be paused, only stopped")
    finally:
        m.close()
