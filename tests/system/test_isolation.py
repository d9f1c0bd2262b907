"""Isolation: a guest probing its whole guest-physical address space reaches nothing outside its
own memory (with invalid_access = "abort" it gets an abort for each try instead of being
stopped), and a guest spinning with interrupts masked on Linux's pCPU cannot stop Linux or the
shell from answering."""
import re

from cvisor import Machine, build_image

PROMPT = "~ # "


def test_hostile_guests_next_to_linux():
    image, _ = build_image("hostile", ["configs/vms/linux-aarch64.toml", "configs/vms/hostile-spin-aarch64.toml",
                                       "configs/vms/hostile-probe-aarch64.toml"])
    m = Machine(image, "hostile", timeout=240)
    try:
        # the two hostile VMs run on different pCPUs: their lines come in either order
        probe = None
        for _ in range(2):
            m.expect(r"\[vm6\] hostile: vm6 spinning with interrupts masked|"
                     r"\[vm5\] hostile: probed (\d+) addresses: (\d+) readable, (\d+) outside my memory, (\d+) aborted")
            probe = probe or (m.child.match if m.child.match.group(1) else None)
        assert probe, m.text()
        n, readable, outside, aborted = (int(x) for x in probe.groups())
        assert n == 2560 and outside == 0 and readable == 9 and aborted == n - readable
        m.expect(r"vm5 'probe' ended: shutdown")
        # Linux shares pCPU 0 with the spinner and still boots and answers
        m.expect(r"cvisor-guest: init started", timeout=180)
        m.expect(re.escape(PROMPT))
        for i in range(3):
            m.sendline(f"echo alive-{i}-$((2*21))")
            m.expect(f"alive-{i}-42")
        m.send("\x1d")
        m.expect(r"cvisor> ")
        m.sendline("vm list")
        m.expect(r"6\s+spinner\s+running")
        m.sendline("vm stop 6")
        m.expect(r"vm6 'spinner' ended: shutdown \(stopped from the shell\)")
    finally:
        m.close()
