"""riscv64 on QEMU virt with the AIA (aia=aplic-imsic): the board qemu-riscv64-virt-aia.

The hypervisor's own interrupts come from the APLIC in MSI mode through each hart's S-level
IMSIC file; a VM given a guest interrupt file takes its passed-through device's interrupt
there, without cvisor on the path (docs/riscv64.md, "AIA")."""
import re

from cvisor import Machine, build_image
from test_linux import run
from test_riscv64_linux import assert_console_and_timer_interrupts_rise

ARCH = "riscv64"
AIA = "qemu-riscv64-virt-aia"


def test_console_input_through_the_aplic_and_the_s_level_imsic_file():
    """The host UART's receive interrupt (APLIC source 10, sent as identity 10 to hart 0's S
    file) feeds typed input to the echo guest: without the AIA driver cvisor finds no PLIC and
    stops at boot."""
    image, _ = build_image("hv-riscv64-aia-echo", ["configs/vms/echo-riscv64.toml"], arch=ARCH, platform=AIA)
    m = Machine(image, "hv-riscv64-aia-echo", smp=2, mem="1G", timeout=40, arch=ARCH, platform=AIA)
    try:
        m.expect(r"aia: APLIC 0xd000000 \(96 sources, MSI mode\), IMSIC S files 0x28000000, 3 guest files")
        m.expect(r"\[vm1\] echo guest ready")
        for line in ("hello aia", "second line"):
            m.send(line + "\r")
            m.expect(r"\[vm1\] " + line.upper())
        m.send("exit\r")
        m.wait_exit(30)
    finally:
        m.close()


def _boot(name, configs, smp):
    image, _ = build_image(name, configs, arch=ARCH, platform=AIA)
    m = Machine(image, name, smp=smp, mem="1G", timeout=60, arch=ARCH, platform=AIA)
    try:
        m.wait_exit(60)
    finally:
        m.close()
    return m.text()


ALARM = (r"\[vm1\] rtcimsic: alarm {n}{how}: scause 0x8000000000000009 after (\d+) us, claimed identity 11 from the "
         r"interrupt file, then 0")


def test_device_interrupt_through_the_guest_interrupt_file():
    """interrupt_mode = "passthrough" on the AIA board: the guest's RTC alarm is sent by the host
    APLIC into guest file 1 of its pCPU's IMSIC, which the guest finds in its device tree, turns on
    through siselect/sireg and claims through stopei, twice with no exit on that path; a third
    time the vCPU waits halted in the hypervisor (SBI HSM retentive suspend) and the guest file's
    SGEI (hgeie) wakes it. Its 7 exits are its 5 console lines, the suspend and its shutdown.
    Without the feature the config is refused ("passthrough" is not supported on riscv64)."""
    out = _boot("hv-riscv64-aia-rtcimsic", ["configs/vms/rtcimsic-riscv64.toml"], smp=2)
    assert "vm1 I: guest interrupt files: file 1 of each vCPU's pCPU at 0x28000000" in out, out
    assert "APLIC source 11 -> guest file 1 of pCPU 1, identity 11" in out, out
    assert "[vm1] rtcimsic: IMSIC at 0x28000000 (0x1000 bytes), 63 identities" in out, out
    assert "[vm1] rtcimsic: eidelivery 1, eie0 0x800" in out, out
    for n, how in ((1, ""), (2, ""), (3, r" \(HSM suspend\)")):
        m = re.search(ALARM.format(n=n, how=how), out)
        assert m and int(m.group(1)) >= 15000, out  # not before its 20 ms alarm
    assert re.search(r"vm1 'rtcimsic': shutdown \(SBI system reset \(shutdown, reason 0\) from vcpu0\), 7 exits", out), out


def test_a_vm_gets_neither_another_vms_sources_nor_the_hypervisors():
    """Hostile: a second passthrough VM asks by explicit entries for vm1's RTC source (11) and the
    host console's (10): both refused, neither routed to its interrupt file; its guest's read of
    the host APLIC (not mapped for it) ends it; vm1 still takes both its alarms."""
    out = _boot("hv-riscv64-aia-thief", ["configs/vms/rtcimsic-riscv64.toml",
                                         "tests/configs/riscv64/imsic-thief.toml"], smp=3)
    assert "vm2 W: host interrupt source 11 not given to the VM (another VM has it)" in out, out
    assert "vm2 W: host interrupt source 10 not given to the VM (the hypervisor takes it)" in out, out
    assert not re.search(r"vm2 I: APLIC source \d+ ->", out), out
    assert "vm2 'thief' ended: fault (vcpu0: read at guest-physical 0xd000000 outside its memory" in out, out
    for n, how in ((1, ""), (2, ""), (3, r" \(HSM suspend\)")):
        assert re.search(ALARM.format(n=n, how=how), out), out
    assert "vm1 'rtcimsic' ended: shutdown" in out, out


def test_the_vplic_forwarding_works_over_the_aplic_too():
    """interrupt_mode = "emu" on the AIA host: the RTC's host source (APLIC 11, the hypervisor's
    S file) forwarded into the VM's vPLIC, its re-send deferred until the guest completes it
    (plic_complete -> aia_complete), twice, as on a PLIC host."""
    out = _boot("hv-riscv64-aia-rtcirq", ["configs/vms/rtcirq-riscv64.toml"], smp=2)
    for n in (1, 2):
        m = re.search(rf"\[vm1\] rtcirq: alarm {n}: scause 0x8000000000000009 after (\d+) us, claimed source 11, "
                      r"then 0", out)
        assert m and int(m.group(1)) >= 15000, out
    assert "vm1 'rtcirq' ended: shutdown" in out, out


def test_linux_with_the_vplic_on_the_aia_host():
    """Debian's Linux (interrupt_mode = "emu") on the AIA host: console input through the host
    APLIC and S file to its emulated NS16550 (vPLIC source 10), its timer, power-off."""
    image, _ = build_image("riscv64-aia-linux", ["configs/vms/linux-riscv64.toml"], arch=ARCH, platform=AIA)
    m = Machine(image, "riscv64-aia-linux", smp=2, mem="1G", timeout=240, arch=ARCH, platform=AIA)
    try:
        m.expect(r"cvisor-guest: init started, uptime [\d.]+")
        m.expect(re.escape("~ # "))
        assert run(m, "echo $((6*7))").strip() == "42"  # typed input reached the guest's ttyS0
        assert_console_and_timer_interrupts_rise(m)
        m.sendline("poweroff -f")
        m.wait_exit(60)
    finally:
        m.close()
