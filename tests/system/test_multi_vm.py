"""Several VMs at once on a 4-CPU machine: two Linux VMs and an interactive bare-metal guest,
each with its own emulated UART, started together; Ctrl-] moves the console between them and
the shell, typed input reaches only the focused VM, and buffered output appears on focus."""
import re

from cvisor import Machine, build_image

ESC = "\x1d"
PROMPT = "~ # "


def test_two_linux_vms_and_a_test_guest_with_console_switching():
    image, _ = build_image("multi-vm", ["configs/vms/linux-aarch64.toml", "configs/vms/linux-b-aarch64.toml",
                                        "configs/vms/echo-aarch64.toml"])
    m = Machine(image, "multi-vm", smp=4, timeout=240)
    try:
        m.expect(r"4 pCPUs")
        for vm in (r"vm1 'linux': 1 vCPU on pCPU 0", r"vm2 'linux-b': 1 vCPU on pCPU 1", r"vm3 'echo': 1 vCPU on pCPU 2"):
            m.expect(vm)
        # linux (vm1) has the focus first
        m.expect(r"cvisor-guest: init started", timeout=180)
        m.expect(re.escape(PROMPT))
        m.sendline("echo first-$((1+1)) > /tmp/mark; cat /tmp/mark")
        m.expect("first-2")
        m.send(ESC)
        m.expect(r"--- console of vm2 'linux-b'")
        m.expect(r"cvisor-guest: init started", timeout=180)  # its boot log, kept while unfocused
        m.expect(re.escape(PROMPT))
        m.sendline("cat /tmp/mark 2>&1; echo second-$((2+2))")
        m.expect(r"No such file or directory")  # a different VM: vm1's file is not here
        m.expect("second-4")
        m.send(ESC)
        m.expect(r"--- console of vm3 'echo'")
        m.expect(r"echo guest ready")
        m.expect(r"echo> ")
        m.sendline("hello vms")
        m.expect("HELLO VMS")
        m.send(ESC)
        m.expect(r"--- cvisor shell")
        m.expect(r"cvisor> ")
        m.sendline("vm list")
        m.expect(r"1\s+linux\s+running")
        m.expect(r"2\s+linux-b\s+running")
        m.expect(r"3\s+echo\s+running")
        m.send(ESC)
        m.expect(r"--- console of vm1 'linux'")
        m.sendline("cat /tmp/mark")
        m.expect("first-2")
    finally:
        m.close()
