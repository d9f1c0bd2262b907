"""Console focus switching (Ctrl-]) and the hypervisor shell: vm list/stats/pause/resume/stop/
start, and mem. A Linux VM is stopped and started 20 times; it boots every time and the
free-page count after each cycle is the same."""
import re

from cvisor import Machine, build_image

ESC = "\x1d"  # Ctrl-]
PROMPT = "~ # "


def shell(m, cmd, expect=r"cvisor> "):
    m.sendline(cmd)
    return m.expect(expect)


def free_pages(m):
    m.sendline("mem")
    return int(m.expect(r"pages: (\d+) free, \d+ used").group(1))


def test_shell_controls_vms_and_console_focus():
    image, _ = build_image("shell", ["configs/vms/linux-aarch64.toml", "configs/vms/ticker-aarch64.toml"])
    m = Machine(image, "shell", timeout=240)
    try:
        m.expect(r"cvisor-guest: init started")
        m.expect(re.escape(PROMPT))
        m.send(ESC)  # Linux is the only VM with a console: the shell is next
        m.expect(r"--- cvisor shell")
        m.expect(r"cvisor> ")
        shell(m, "vm list", r"1\s+linux\s+running\s+1\s+256\s+MiB")
        shell(m, "vm stats 1", r"vm1 'linux': \d+ exits, \d+ interrupts injected")
        shell(m, "vm pause 1", r"vm1 paused")
        shell(m, "vm list", r"1\s+linux\s+paused")
        shell(m, "vm resume 1", r"vm1 resumed")
        # input typed while the shell has focus never reaches the guest; its output is kept
        m.send(ESC)
        m.expect(r"--- console of vm1 'linux'")
        m.sendline("echo focus-$((6*7))")
        m.expect("focus-42")
        m.expect(re.escape(PROMPT))
        m.send(ESC)
        m.expect(r"cvisor> ")
        base = None
        for cycle in range(20):
            shell(m, "vm stop 1", r"vm1 'linux' ended: shutdown \(stopped from the shell\)")
            free = free_pages(m)
            base = free if base is None else base
            assert free == base, f"cycle {cycle}: {free} free pages, first cycle {base}"
            shell(m, "vm start 1", r"vm1 'linux': 1 vCPU on pCPU 0")
            m.send(ESC)
            m.expect(r"--- console of vm1 'linux'")
            m.expect(r"cvisor-guest: init started", timeout=120)
            m.expect(re.escape(PROMPT))
            m.sendline(f"echo cycle-{cycle}-$((1+1))")
            m.expect(f"cycle-{cycle}-2")
            m.send(ESC)
            m.expect(r"cvisor> ")
        shell(m, "vm list", r"4\s+ticker\s+stopped")  # ticker ended by itself meanwhile
        shell(m, "nonsense", r"unknown command 'nonsense'")
        assert "cvisor: powering off" not in m.text()  # the shell keeps cvisor up
    finally:
        m.close()
