"""Debian's arm64 Linux and U-Boot under cvisor: emulated GICv3, virtual timer and PL011, generated DTB,
PSCI SMP, console input, reboot and power-off. Needs `make guest-images` (make test runs it)."""
import re
import time

import pytest
from cvisor import Machine, build_image

LINUX1 = "configs/vms/linux-aarch64.toml"
LINUX2 = "configs/vms/linux-aarch64-smp2.toml"
PROMPT = "~ # "
_seq = 0


def boot(name, config, smp=2):
    image, _ = build_image(name, [config])
    m = Machine(image, name, smp=smp, timeout=180)
    m.expect(r"cvisor-guest: init started, uptime [\d.]+")
    m.expect(re.escape(PROMPT))
    return m


def run(m, cmd, timeout=60):
    """Runs cmd in the guest shell; returns its output. The end marker is computed by the shell
    so the echoed command line cannot match it."""
    global _seq
    _seq += 1
    m.sendline(f"echo B{_seq}$((1+1)); {cmd}; echo E{_seq}$((2+2))")
    match = m.expect(rf"(?s)B{_seq}2\s*?\n(.*?)E{_seq}4", timeout=timeout)
    m.expect(re.escape(PROMPT))
    return match.group(1).replace("\r", "")


def dmesg_problems(m, topics, words):
    """The dmesg lines about `topics` that contain one of `words` (regular expressions, either
    case). The guest greps; the lines are checked again here because the console also carries
    kernel messages printed while the command ran (under host load, e.g. "hrtimer: interrupt took
    42306256 ns" from a descheduled QEMU thread): such a line is not part of the answer."""
    out = run(m, f"dmesg | grep -iE '{topics}' | grep -iE '{words}' || true")
    topic_re, word_re = re.compile(topics, re.I), re.compile(words, re.I)
    return "\n".join(line for line in out.splitlines() if topic_re.search(line) and word_re.search(line))


def poweroff(m):
    m.sendline("poweroff -f")
    assert m.wait_exit(60) == 0
    return m.text()


def interrupt_counts(text, label_pattern):
    """Per-CPU counts of /proc/interrupts lines whose label matches, summed. Kernel messages the
    console printed while the file was read (under TCG, e.g. the clocksource watchdog's
    read-back notes) are not part of it: the table starts at its CPU header line."""
    lines = text.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"\s*(CPU\d+\s*)+", line))
    ncpu = len(lines[start].split())
    total = [0] * ncpu
    for line in lines[start + 1:]:
        if re.match(r"\[\s*\d+\.\d+\]", line):
            continue  # a kernel message, not a row
        if re.search(label_pattern, line):
            fields = line.split()
            for i in range(ncpu):
                total[i] += int(fields[1 + i])
    return total


def test_linux_one_vcpu_shell_console_and_poweroff():
    m = boot("linux1", LINUX1)
    try:
        assert run(m, "echo $((6*7))").strip() == "42"           # typed input reached the guest
        assert run(m, "nproc").strip() == "1"
        errors = dmesg_problems(m, "gic|timer|pl011|psci", "error|fail|warn|bug")
        assert errors == "", errors
        assert "GICv3" in run(m, "dmesg | grep -i gicv3 | head -3")
        out = poweroff(m)
        assert "vm1 'linux' ended: shutdown (PSCI SYSTEM_OFF from vcpu0)" in out
    finally:
        m.close()


def timer_and_ipis_rise_on_both_cpus(m, timer_label):
    """Busy loops on both CPUs, then short-lived processes (which land on either CPU and wake
    the other): the timer and IPI counts of /proc/interrupts must rise on each CPU. Returns
    the first /proc/interrupts and the dmesg lines about GIC/timer/SMP problems."""
    assert run(m, "nproc").strip() == "2"
    run(m, "(while :; do :; done) & (while :; do :; done) & sleep 0.2")
    first = run(m, "cat /proc/interrupts")
    run(m, "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do /bin/true & /bin/true; wait $!; done; sleep 1")
    second = run(m, "cat /proc/interrupts")
    run(m, "kill %1 %2")
    t0, t1 = interrupt_counts(first, timer_label), interrupt_counts(second, timer_label)
    assert len(t1) == 2 and all(b > a for a, b in zip(t0, t1)), (first, second)
    i0, i1 = interrupt_counts(first, r"^\s*IPI\d"), interrupt_counts(second, r"^\s*IPI\d")
    assert all(b > a for a, b in zip(i0, i1)), (first, second)
    return first, dmesg_problems(m, "gic|timer|psci|smp|firmware", "error|fail|warn|bug|stuck|broken")


def test_linux_two_vcpus_timer_and_ipis_on_both_cpus():
    m = boot("linux2", LINUX2)
    try:
        first, problems = timer_and_ipis_rise_on_both_cpus(m, r"GICv3\s+27\s.*arch_timer")
        assert problems == "", problems
        poweroff(m)
    finally:
        m.close()


def test_linux_sleep_lasts_two_seconds_of_guest_time():
    m = boot("linux1-sleep", LINUX1)
    try:
        out = run(m, "cat /proc/uptime; sleep 2; cat /proc/uptime")
        t = [float(l.split()[0]) for l in out.strip().splitlines()]
        assert 1.8 <= t[1] - t[0] <= 2.2, out
        poweroff(m)
    finally:
        m.close()


def test_linux_reboot_restarts_the_vm():
    m = boot("linux1-reboot", LINUX1)
    try:
        m.sendline("reboot -f")
        m.expect(r"vm1 'linux' is restarting \(PSCI SYSTEM_RESET from vcpu0\)")
        m.expect(r"Booting Linux on physical CPU")
        m.expect(r"cvisor-guest: init started")
        m.expect(re.escape(PROMPT))
        assert run(m, "echo again").strip() == "again"
        out = poweroff(m)
        assert "vm1 'linux' ended: shutdown" in out
    finally:
        m.close()


def test_uboot_reaches_prompt_and_answers_version():
    image, _ = build_image("uboot", ["configs/vms/uboot-aarch64.toml"])
    m = Machine(image, "uboot", timeout=120)
    try:
        m.expect(r"=> ")
        m.sendline("version")
        m.expect(r"U-Boot 20\d\d\.\d\d")
        m.expect(r"=> ")
        m.sendline("poweroff")
        assert m.wait_exit(60) == 0
        assert "vm1 'u-boot' ended: shutdown (PSCI SYSTEM_OFF from vcpu0)" in m.text()
    finally:
        m.close()


def test_linux_two_vcpus_on_one_pcpu():
    # Both vCPUs pinned to pCPU 0 by phys_cpu_sets: time slicing, WFI yield, and the software
    # check of a switched-out vCPU's virtual timer.
    m = boot("linux-2on1", "configs/vms/linux-aarch64-2on1.toml")
    try:
        assert "2 vCPUs on pCPU 0,0" in m.text()
        assert run(m, "nproc").strip() == "2"
        out = run(m, "cat /proc/uptime; sleep 2; cat /proc/uptime")
        t = [float(l.split()[0]) for l in out.strip().splitlines()]
        assert 1.8 <= t[1] - t[0] <= 2.2, out
        ints = run(m, "cat /proc/interrupts")
        assert all(c > 0 for c in interrupt_counts(ints, r"arch_timer")), ints
        # Its debug and PMU registers are switched with each vCPU: the breakpoint probe at boot
        # finds them and nothing about them complains.
        assert re.search(r"hw-breakpoint: found \d+ breakpoint and \d+ watchpoint registers",
                         run(m, "dmesg | grep hw-breakpoint")), m.text()
        assert dmesg_problems(m, "breakpoint|watchpoint|debug|pmu|perf", "error|fail|warn|bug|unexpected") == ""
        poweroff(m)
    finally:
        m.close()


def test_linux_with_user_dtb_patched_to_the_config():
    # guests/dtb/linux-virt-board.dts describes 4 spin-table CPUs, 1 GiB and other bootargs;
    # the VM has 2 vCPUs and 256 MiB, and its cmdline must win.
    m = boot("linux-userdtb", "configs/vms/linux-aarch64-userdtb.toml")
    try:
        text = m.text()
        assert "Machine model: cvisor test board (user DTB)" in text  # the user's tree, not a generated one
        assert "psci: PSCIv1.1 detected in firmware" in text
        assert run(m, "nproc").strip() == "2"
        cmdline = run(m, "cat /proc/cmdline").strip()
        assert "rdinit=/init" in cmdline and "this-is-the-board-cmdline" not in cmdline
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", run(m, "cat /proc/meminfo")).group(1))
        assert 150_000 < mem_kb <= 262_144, mem_kb
        poweroff(m)
    finally:
        m.close()


def test_readme_make_run_boots_linux_to_a_shell():
    # The README's main command, as a user types it: the default VM is Debian's Linux.
    import pexpect
    from cvisor import REPO
    child = pexpect.spawn("make", ["run"], cwd=str(REPO), encoding="utf-8", codec_errors="replace", timeout=300)
    try:
        child.expect(r"vm1 'linux': 1 vCPU on pCPU 0")
        child.expect(re.escape(PROMPT), timeout=180)
        child.sendline("echo run-$((40+2))")
        child.expect("run-42")
        child.sendline("poweroff -f")
        child.expect("cvisor: powering off", timeout=60)
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close()
    assert child.exitstatus == 0
