"""Console focus switching (Ctrl-]) and the hypervisor shell: vm list/stats/pause/resume/stop/
start, and mem. A Linux VM is stopped and started 20 times; it boots every time and the
free-page count after each cycle is the same."""
import re

from cvisor import REPO, Machine, build_image

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
        # Linux is alone on pCPU 0 now: its idle WFI runs natively (no WFI exit), and it still
        # takes its timer interrupts (IRQ exits)
        shell(m, "vm stats 1", r"vcpu0 on pCPU 0: \d+ exits \(hypercalls \d+, MMIO \d+, WFI 0, IRQ [1-9]\d*\)")
        shell(m, "nonsense", r"unknown command 'nonsense'")
        assert "cvisor: powering off" not in m.text()  # the shell keeps cvisor up
    finally:
        m.close()



def documented_session():
    """The example session of docs/shell.md: [(command, [output lines])]."""
    doc = (REPO / "docs" / "shell.md").read_text()
    block = doc.split("<!-- shell session: replayed by tests/system/test_shell.py -->\n```text\n")[1]
    session = []
    for line in block.split("\n```")[0].splitlines():
        if line.startswith("cvisor> "):
            session.append((line[len("cvisor> "):], []))
        else:
            session[-1][1].append(line)
    return session


def normalised(lines):
    """Numbers vary from run to run (times, counts, which pCPU logged): compare the rest."""
    return [re.sub(r"\s+", " ", re.sub(r"\d+", "0", l)).strip() for l in lines]


def command_output(m, cmd):
    """The lines a shell command prints, up to the next prompt."""
    m.sendline(cmd)
    m.expect(re.escape(cmd) + r"\r*\n")
    m.expect(r"cvisor> ")
    return [l.rstrip("\r") for l in m.child.before.split("\n") if l.strip()]


def test_shell_prints_what_its_docs_show_and_stop_start_wait():
    """docs/shell.md's example session, replayed: its headers and every line of every command's
    output as printed (numbers aside). So help comes out whole (it used to stop mid-line at
    `vm start`); `vm`, `vm create`, `vm stop` without an argument print their usage and `vm foo`
    is an unknown command; `vm stop` says stopping, then stopped, and a `vm start` right after
    works. `vm stats` counts the time of a guest whose exits all take the fast path (echo polls
    its emulated UART). After all that, when the last running VM ends by itself, cvisor still
    powers off (exit status 0)."""
    image, _ = build_image("shell-session", ["configs/vms/linux-aarch64.toml", "configs/vms/echo-aarch64.toml"])
    m = Machine(image, "shell-session", smp=3, timeout=240)
    try:
        m.expect(r"cvisor-guest: init started", timeout=180)
        m.expect(re.escape(PROMPT))
        m.send(ESC)
        m.expect(r"--- console of vm3 'echo' \(Ctrl-\] switches\) ---")
        m.expect(r"echo> ")
        m.send(ESC)
        m.expect(r"--- cvisor shell \(help for commands, Ctrl-\] switches\) ---")
        m.expect(r"cvisor> ")
        session = documented_session()
        assert [c for c, _ in session][:2] == ["help", "vm list"] and len(session) >= 10
        for cmd, documented in session:
            printed = command_output(m, cmd)
            assert normalised(printed) == normalised(documented), (cmd, printed)
            if cmd == "vm stats 3":
                guest_ms, hv_ms = map(int, re.search(r"(\d+) ms in the guest, (\d+) ms in the hypervisor",
                                                     printed[1]).groups())
                assert guest_ms > 0 and hv_ms > 0, printed  # echo's exits all take the fast path

        m.send(ESC)  # linux is stopped: the focus goes to echo
        m.expect(r"--- console of vm3 'echo'")
        m.expect(r"echo> ")
        m.sendline("exit")  # the last running VM ends by itself: cvisor powers off
        m.expect(r"vm3 'echo' ended: shutdown")
        m.expect(r"cvisor: powering off")
        assert m.wait_exit(60) == 0
    finally:
        m.close()
