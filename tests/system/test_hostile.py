"""Hostile guests (guests/hostile, configs in tests/configs/hostile) against the isolation
promises of docs/isolation.md: each test runs an attack that worked before the matching fix."""
import re
import subprocess

from cvisor import SYSTEST, Machine, build_image, qemu_machine, run_to_completion

HOSTILE = "tests/configs/hostile/"
MIB = 1 << 20


def test_debug_and_pmu_state_do_not_cross_vms():
    """dbg-set leaves a breakpoint on code both VMs share (same image, same address), a
    watchpoint, a running cycle counter and a PMU opened to EL0 on pCPU 1, and ends; dbg-check
    on the same pCPU must see reset values, get no breakpoint of the other VM, have its own
    breakpoint work (debug still usable), and its EL0 must not read the cycle counter."""
    out = run_to_completion("hostile-dbg", [HOSTILE + "dbg-set.toml", HOSTILE + "dbg-check.toml"], timeout=60)
    assert "[vm21] hostile: dbg-set: breakpoint at" in out
    assert "[vm22] hostile: dbg-check: bvr0 0 bcr0 0 wvr0 0 wcr0 0 mdscr 0 oslk 1" in out, out
    assert ("[vm22] hostile: dbg-check: pmcr.e 0 pmcnten 0 pmuserenr 0 pmselr 0 pmccfiltr 0 pmevtyper0 0 "
            "cycle counter stopped") in out, out
    assert re.search(r"\[vm22\] hostile: dbg-check: foreign breakpoint hits 0, watchpoint hits 0, "
                     r"own breakpoint hits 1, "
                     r"EL0 cycle counter reads trapped 1, unexpected ESR 0, result 16", out), out
    assert "vm22 'dbg-check' ended: shutdown" in out


def test_run_queue_holds_every_vcpu_of_three_16_vcpu_vms_on_one_pcpu():
    """48 vCPUs pinned to pCPU 0: none may be dropped (the VM would never run or end, and
    cvisor would never power off)."""
    out = run_to_completion("hostile-runq", [HOSTILE + f"runq-{i}.toml" for i in (1, 2, 3)], timeout=120)
    for vm in (31, 32, 33):
        assert f"[vm{vm}] hostile: runq: vm{vm} started 15 vCPUs, 15 checked in" in out, out
        assert re.search(rf"vm{vm} 'runq-\d' ended: shutdown", out)
    assert "run queue" not in out
    assert "cvisor: powering off" in out


ESC = "\x1d"  # Ctrl-]
RESET = "\x18\x1b[!p"  # start of lib/tty_filter.h's TTY_RESET


TTY_RESET_FULL = ("\x18\x1b[!p\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[0m"
                  "\x1b[?25h\x0f")  # lib/tty_filter.h
BANNER = re.compile(r"--- (console of vm\d+ '[^']*'[^\n]*|cvisor shell[^\n]*) ---|cvisor> ")


def stream_bytes(text):
    """The stream VM's bytes, with the focus banners, shell prompts and terminal resets that the
    switches put between them taken out, and line ends dropped (the replay and the raw path end
    lines differently)."""
    text = text.replace(TTY_RESET_FULL, "")
    return BANNER.sub("", text).replace("\r", "").replace("\n", "")


def test_console_focus_switches_lose_no_byte_of_a_streaming_vm():
    """A VM prints numbered lines through its UART while the focus cycles (stream -> echo VM ->
    shell -> stream) every few milliseconds: each of its bytes is either buffered and replayed
    or written raw after the replay, so the lines read back whole, once each and in order."""
    image, _ = build_image("hostile-stream", ["configs/vms/echo-aarch64.toml", HOSTILE + "stream.toml"])
    m = Machine(image, "hostile-stream", smp=3, timeout=60)
    try:
        m.expect(r"echo> ")  # the echo VM has the focus first; the stream VM's lines are buffered
        start = len(m.text())
        switches = 0
        while "hostile: stream done" not in stream_bytes(m.text()[start:]) and switches < 900:
            m.send(ESC)
            m.expect(r"--- (console of vm\d+|cvisor shell)")
            switches += 1
        got = stream_bytes(m.text()[start:])
    finally:
        m.close()
    want = "".join(f"hostile: stream {i}" for i in range(3000)) + "hostile: stream done"
    if not got.startswith(want):
        at = next(i for i in range(min(len(got), len(want))) if got[i] != want[i]) if got[:len(want)] != want[:len(got)] \
            else min(len(got), len(want))
        raise AssertionError(f"after {switches} switches the stream differs at byte {at}: "
                             f"got {got[max(0, at - 60):at + 60]!r}, want {want[max(0, at - 60):at + 60]!r}")
    assert switches >= 20, switches  # the focus really moved while it printed


def test_guest_console_output_cannot_drive_the_terminal():
    """Hypercall lines and the replay of an unfocused VM's buffer carry printable text only; a
    VM's own escape sequences reach the terminal only while it has the focus, and the terminal
    is reset when the focus moves on."""
    image, _ = build_image("hostile-tty", ["configs/vms/echo-aarch64.toml", HOSTILE + "tty.toml"])
    m = Machine(image, "hostile-tty", smp=3, timeout=60)
    try:
        # echo's prompt; a line of vm41's may land inside it (vm41 runs on another pCPU and its
        # hypercall lines are printed whole, between two characters of the focused VM's output)
        prompt = r"echo(?:\[vm41\][^\n]*\n)*> "
        seen = set()
        while len(seen) < 2:  # in either order
            seen.add(m.expect(prompt + r"|\[vm41\] hostile: tty: done").group(0).startswith("echo"))
        before = m.text()
        line = re.search(r"\[vm41\] hostile: tty-hc ([^\n]*) end", before).group(1)
        assert line == "[?31mred]", repr(line)  # the raw 8-bit CSI byte shows as '?'
        assert re.search(prompt, before)  # echo (vm3) has the focus: its prompt is raw output
        assert "PWNED" not in before and "\x1b[2J" not in before and "tty-uart" not in before, repr(before)
        m.send(ESC)  # focus: echo -> tty
        m.expect(r"--- console of vm41 'tty'")
        replay = m.expect(r"([^\n]*)hostile: tty-uart tick ").group(0)
        m.expect(r"hostile: tty-uart tick \x1b\[0m")  # raw control passes while it has the focus
        m.send(ESC)  # focus: tty -> shell
        m.expect(r"--- cvisor shell")
        text = m.text()
        start = text.index("--- console of vm41 'tty'")
        shown = text[start:text.index("hostile: tty-uart tick", start)]
        assert "hostile: tty-uart [] end" in shown, repr(shown)
        assert "PWNED" not in text and "\x1b[2J" not in text and "\x1b]" not in text, repr(text)
        assert "\x1b" not in shown and "\x0e" not in shown, repr(shown)
        # the terminal was reset when the focus left echo and when it left tty
        assert text.count(RESET) >= 2, repr(text)
        assert RESET in text[text.rindex("hostile: tty-uart tick"):text.index("--- cvisor shell")], repr(text)
        assert replay
    finally:
        m.close()


def test_console_uart_by_address_becomes_an_emulated_pl011():
    """A config passing the console UART through by address gets an emulated PL011 there (a
    warning says so): the guest setting every interrupt enable no longer livelocks pCPU 0, where
    the ticker VM must keep ticking to its end."""
    out = run_to_completion("hostile-uart", ["configs/vms/ticker-aarch64.toml", HOSTILE + "uart.toml"], timeout=60)
    assert re.search(r"uart.toml:\d+: devices.passthrough_devices\[0\]: \[0x9000000, 0x9001000\) is the hypervisor's "
                     r"console UART: it is not passed through, the VM gets an emulated PL011 there", out), out
    assert "[vm42] hostile: uart: interrupt enables 0x7ff, still running 4" in out, out
    assert "ticker(vm4): done" in out and "vm4 'ticker' ended: shutdown" in out
    assert "cvisor: powering off" in out


def test_console_uart_accesses_from_every_register_keep_the_others():
    """cvisor serves the console PL011's DR stores and FR loads in its exit vector, which saves
    only x0-x18 and x30 (x19-x29 are saved on the way for a store from one of them): for each
    register x0-x30, a store of its low byte to DR and a load of FR into it, with every register
    holding a pattern. Each character must come out in order, and every other register must keep
    its pattern (guests/hostile, uartregs)."""
    out = run_to_completion("hostile-uartregs", [HOSTILE + "uartregs.toml"], timeout=60)
    chars = "".join(chr(0x40 + n) for n in range(31))
    assert "hostile: uartregs: " + chars + "\n" in out.replace("\r", ""), out
    assert "[vm42] hostile: uartregs: 31 registers checked, 0 wrong" in out, out
    assert "vm42 'uartregs' ended: shutdown" in out


def reserved_memory_dtb(name):
    """QEMU's own device tree for the test machine, plus host RAM reserved for firmware: a
    /reserved-memory node at 0x7100_0000 (16 MiB) and a /memreserve/ entry at 0x7000_0000 (1 MiB)."""
    out = SYSTEST / name
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(qemu_machine("aarch64") + ["-smp", "2", "-m", "2G", "-machine", f"dumpdtb={out}/qemu.dtb"],
                   check=True, capture_output=True)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(out / "qemu.dtb")], check=True,
                         capture_output=True, text=True).stdout
    dts = dts.replace("/dts-v1/;", "/dts-v1/;\n/memreserve/ 0x70000000 0x100000;", 1)
    dts += ("/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
            "    firmware@71000000 { reg = <0x0 0x71000000 0x0 0x1000000>; no-map; }; }; };\n")
    (out / "reserved.dts").write_text(dts)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(out / "reserved.dtb"), str(out / "reserved.dts")],
                   check=True)
    return out / "reserved.dtb"


def test_mapreserved_only_on_ram_the_host_reserves_and_held_by_one_vm():
    """RAM the host DTB reserves (/reserved-memory, /memreserve/) can be given to one VM as a
    MapReserved region; a second VM asking for part of it is refused; the first VM sees what
    firmware left there, and after its restart the region reads as zero (scrubbed on release)."""
    dtb = reserved_memory_dtb("hostile-resv")
    image, _ = build_image("hostile-resv", [HOSTILE + "resv-a.toml", HOSTILE + "resv-b.toml", HOSTILE + "resv-c.toml"])
    m = Machine(image, "hostile-resv", timeout=60, extra=[
        "-dtb", str(dtb),
        "-device", "loader,addr=0x71000000,data=0x1122334455667788,data-len=8",
        "-device", "loader,addr=0x70000000,data=0x99aabbcc,data-len=4"])
    try:
        assert m.wait_exit(60) == 0
        out = m.text()
    finally:
        m.close()
    assert re.search(r"resv-b.toml:\d+: kernel.memory_regions\[1\]: host range \[0x71800000, 0x71801000\) is also "
                     r"claimed by kernel.memory_regions\[1\] of tests/configs/hostile/resv-a.toml", out), out
    lines = out.splitlines()
    assert "[vm51] hostile: resv: first use: firmware data 0x1122334455667788 0" in lines, out
    assert "[vm51] hostile: resv: after the restart: 0 0" in lines, out  # scrubbed when it was released
    assert "[vm53] hostile: resv: first use: firmware data 0x99aabbcc 0" in lines, out
    assert "[vm53] hostile: resv: after the restart: 0 0" in lines, out
    assert "vm52 " not in out.split("all VMs have ended")[1]


def image_end(image):
    """The end of the hypervisor image in host memory (its __image_end symbol)."""
    syms = subprocess.run(["llvm-nm", str(image.with_suffix(".elf"))], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"^([0-9a-f]+) \w __image_end$", syms, re.M).group(1), 16)


def test_every_page_a_vm_sees_first_reads_as_zero():
    """Host RAM past the hypervisor is filled with a pattern before cvisor starts (RAM never
    used since boot holds whatever it held); two VMs scan their RAM, leave data in it and reset
    themselves, next to a VM whose restarts free many stage-2 tables. Every scan must find only
    zeros outside the guest's own image and device tree."""
    image, _ = build_image("hostile-scan", [HOSTILE + "scan-a.toml", HOSTILE + "scan-b.toml",
                                             HOSTILE + "churn.toml"])
    fill = SYSTEST / "hostile-scan" / "pattern.bin"
    fill.write_bytes(b"\xa5\x5a\xc3\x3c" * (MIB * 64 // 4))
    start = (image_end(image) + 2 * MIB - 1) & ~(2 * MIB - 1)
    m = Machine(image, "hostile-scan", timeout=120,
                extra=["-device", f"loader,file={fill},addr={start:#x},force-raw=on"])
    try:
        for vm in (61, 62):
            for _ in range(4):
                m.expect(rf"\[vm{vm}\] hostile: scan: \d+ of \d+ words non-zero")
        text = m.text()
    finally:
        m.close()
    scans = re.findall(r"\[vm6[12]\] hostile: scan: (\d+) of (\d+) words non-zero \(first at (\S+): (\S+)\)", text)
    assert len(scans) >= 8, text
    assert all(s[0] == "0" and int(s[1]) > 1_900_000 for s in scans), "\n".join(map(str, scans))
    assert "vm63 'churn' is restarting" in text


def test_lazy_pages_are_zeroed_ahead_of_the_guest():
    """LAZY RAM (flag 0x20) enters stage 2 page by page on the guest's first touch, but the pages
    are zeroed ahead of it: before the VMs start at boot, later by an idle pCPU hosting one of the
    VM's vCPUs; a fault zeroes only a page not reached yet. Host RAM holds a pattern before cvisor
    starts, so every page held data. vm65 scans its 16 MiB once: only zeros, and none of its
    faults zeroed a page (all were zeroed at boot). vm66 waits 300 ms, scans, leaves data and
    resets itself, forever; each restart gets RAM the allocator does not know zero, which pCPU 1
    (its second vCPU, never started, is queued there) zeroes while it waits: only zeros every
    time, and few of its faults zeroed a page (those of its BSS and stack, which it touches at
    once)."""
    image, _ = build_image("hostile-lazy", [HOSTILE + "scan-lazy.toml", HOSTILE + "scan-lazy-reset.toml"])
    fill = SYSTEST / "hostile-lazy" / "pattern.bin"
    fill.write_bytes(b"\xa5\x5a\xc3\x3c" * (MIB * 64 // 4))
    start = (image_end(image) + 2 * MIB - 1) & ~(2 * MIB - 1)
    m = Machine(image, "hostile-lazy", timeout=120,
                extra=["-device", f"loader,file={fill},addr={start:#x},force-raw=on"])
    stats = {}
    try:
        m.expect(r"vm65 'scan-lazy' ended")
        for _ in range(4):
            m.expect(r"\[vm66\] hostile: scan: \d+ of \d+ words non-zero")
        for vm, name in ((65, "scan-lazy"), (66, "scan-lazy-reset")):
            m.sendline(f"vm stats {vm}")
            s = m.expect(rf"vm{vm} '{name}': \d+ exits, \d+ interrupts injected, (\d+) restarts, (\d+) lazy page "
                         r"faults \((\d+) zeroing a LAZY page not zeroed ahead\)")
            stats[vm] = tuple(int(x) for x in s.groups())
        text = m.text()
    finally:
        m.close()
    scans = re.findall(r"\[vm6[56]\] hostile: scan: (\d+) of (\d+) words non-zero", text)
    assert len(scans) >= 5, text
    assert all(s[0] == "0" and int(s[1]) > 1_900_000 for s in scans), "\n".join(map(str, scans))
    # (restarts, faults, faults that zeroed a page); the image and DTB pages take no fault
    assert stats[65][1] > 3500 and stats[65][2] == 0, stats
    # after a restart the guest touches its BSS and stack at once, before pCPU 1 gets there (those
    # faults zero their page); of the rest, pCPU 1 has zeroed all in the 300 ms (with the zeroing
    # ahead disabled, every fault of every restarted run zeroes a page)
    restarted_faults = stats[66][1] - stats[65][1]
    assert stats[66][0] >= 3 and restarted_faults > 3 * 3500 and stats[66][2] < restarted_faults // 4, stats


def shell(m, cmd, expect):
    m.sendline(cmd)
    match = m.expect(expect)
    m.expect(r"cvisor> ")
    return match


def test_shell_and_console_input_race_a_vm_restarting_itself():
    """A 2-vCPU VM resets itself several times a second (CPU_ON/CPU_OFF races, lazily mapped
    RAM); meanwhile the shell (on another pCPU's timeline) inspects, pauses, stops and starts it,
    and console input is typed to it. Nothing may crash or hang, and stopping it always gives the
    same number of free pages."""
    image, _ = build_image("hostile-races", [HOSTILE + "churn-con.toml"])
    m = Machine(image, "hostile-races", timeout=60)
    try:
        m.expect(r"vm64 'churn-con' is restarting")
        m.send(ESC)  # the VM has the console first; the shell is next
        m.expect(r"cvisor> ")
        base = None
        stops = 0
        for i in range(120):
            shell(m, "vm stats 64", r"vm64 'churn-con': \d+ exits, \d+ interrupts injected, \d+ restarts")
            shell(m, "vm pause 64", r"vm64 paused")
            shell(m, "vm resume 64", r"vm64 resumed")
            if i % 4 == 1:  # typed input reaches the VM whatever state it is in
                m.send(ESC)
                if "console" in m.expect(r"--- console of vm64|--- cvisor shell").group(0):
                    m.send("input-racing-a-restart " * 4)
                    m.send(ESC)
                    m.expect(r"--- cvisor shell")
                # (else it was restarting, without a console, when Ctrl-] looked)
                m.expect(r"cvisor> ")
            if i % 4 == 3:
                m.sendline("vm stop 64")  # even between two of its own restarts, a stop stops it
                m.expect(r"vm64 'churn-con' ended: shutdown \(stopped from the shell\)")
                shell(m, "vm list", r"64\s+churn-con\s+stopped")  # (the prompt came before or after)
                stops += 1
                free = int(shell(m, "mem", r"pages: (\d+) free").group(1))
                base = free if base is None else base
                assert free == base, f"stop {stops}: {free} free pages, first stop {base}"
                shell(m, "vm start 64", r"vm64 'churn-con': 2 vCPUs on pCPU 0,1")
        restarts = int(shell(m, "vm stats 64", r"(\d+) restarts").group(1))
        assert stops >= 20 and restarts >= 10, (stops, restarts)
        text = m.text()
        assert "PANIC" not in text and "fatal" not in text and "bad free" not in text
    finally:
        m.close()
