"""The unikernel base on riscv64 (issue 14, base bullet): HS-mode above OpenSBI on QEMU virt
(`-cpu rv64 -bios default`), the board and architecture found through the seams of the base
(base/arch/riscv64, base/platform/qemu-riscv64-virt): NS16550A console, hart-local interrupts and
the PLIC, Sv39 identity map, timer through Sstc or SBI TIME, harts started with SBI HSM, IPIs
through SBI IPI, power-off through SBI SRST, and a readable fatal trap report."""
import re

import pytest
from cvisor import Machine, build_image, run_to_completion

ARCH = "riscv64"


@pytest.mark.parametrize("timer", ["sstc", "sbi"])
def test_base_demo_boots_on_riscv64(timer):
    """4 harts; the timer through stimecmp (Sstc) or, on a CPU without Sstc, through SBI TIME."""
    image, _ = build_image("base-demo-riscv64", [], app="base-demo", arch=ARCH)
    extra = [] if timer == "sstc" else ["-cpu", "rv64,sstc=off"]  # the last -cpu wins
    m = Machine(image, f"base-demo-riscv64-{timer}", smp=4, mem="1G", timeout=30, arch=ARCH, extra=extra)
    try:
        status = m.wait_exit(30)  # SBI SRST shutdown ends QEMU
        out = m.text()
    finally:
        m.close()
    assert status == 0, out
    assert re.search(r"base-demo: 4 CPUs, \d+ MiB free, PLIC", out), out
    for cpu in (1, 2, 3):
        assert re.search(rf"cpu{cpu} I: base-demo: cpu{cpu} online", out), out
    assert "base-demo: 5 timer interrupts, 3 secondary CPUs checked in" in out
    assert "base-demo: IPIs answered by 3 of 3 secondary CPUs" in out
    assert "base-demo: done" in out
    # OpenSBI keeps its own memory (/reserved-memory): the page allocator left it alone, or the
    # first allocation would have faulted on its PMP-protected range.
    assert "fatal" not in out


def test_second_hart_comes_online_under_icount():
    """Under -icount (make bench's way: one QEMU thread runs the harts in turn) the second hart
    comes online: CPU 0 waits for it halted, not spinning, so OpenSBI's HSM start code gets to run
    on the other hart (it did not within the 1 s CPU 0 waits, "cpu1 did not come online")."""
    out = run_to_completion("base-demo-riscv64", [], app="base-demo", arch=ARCH, smp=2, mem="1G", timeout=30,
                            run_name="base-demo-riscv64-icount", qemu_extra=["-icount", "shift=0,sleep=off"])
    assert "did not come online" not in out, out
    assert re.search(r"cpu1 I: base-demo: cpu1 online", out), out
    assert "base-demo: IPIs answered by 1 of 1 secondary CPUs" in out
    assert "base-demo: done" in out


def test_secondaries_started_at_the_image_entry_join_as_secondaries():
    """OpenSBI v1.1 (QEMU 7.2's) marks a hart START_PENDING before it writes the hart's start
    address and opaque: a hart woken in that window enters at the cold-boot address (_head)
    with the DTB in a1. A test build starts every secondary there on purpose; each must join as
    the CPU its hart id names (not zero BSS and boot again on cpu0's stack)."""
    # LOG=debug: its own object directory, so this build's flag does not rebuild the others.
    out = run_to_completion("base-demo-riscv64-image-entry", [], app="base-demo", arch=ARCH, log="debug", smp=4,
                            mem="1G", timeout=30, build_extra=["RISCV_HSM_START_AT_IMAGE_ENTRY=1"])
    for cpu in (1, 2, 3):
        assert re.search(rf"cpu{cpu} W: smp: hart \d+ entered at the image entry, not secondary_entry "
                         rf"\(firmware start race\); joined as cpu{cpu}", out), out
        assert re.search(rf"cpu{cpu} I: base-demo: cpu{cpu} online", out), out
    assert "base-demo: IPIs answered by 3 of 3 secondary CPUs" in out
    assert "base-demo: done" in out
    assert "fatal" not in out and "PANIC" not in out


def test_fatal_trap_report_on_riscv64():
    # A panic powers off through the board's failure-exit device (sifive,test0): QEMU exits 1.
    out = run_to_completion("fault-demo-riscv64", [], app="fault-demo", timeout=30, arch=ARCH, status=1)
    assert "cvisor: fatal exception from HS-mode on cpu0" in out
    assert re.search(r"scause 000000000000000d: load page fault", out), out
    assert re.search(r"stval 0000007f00000000  sepc [0-9a-f]{16}", out), out
    assert re.search(r"ra   [0-9a-f]{16}  sp   [0-9a-f]{16}", out), out
    assert "cvisor PANIC on cpu0: unrecoverable exception in HS-mode" in out
    assert "UNREACHABLE" not in out


# W^X in the base's own Sv39 map (docs/memory.md): the code is read-only, the read-only data too,
# and nothing writable is executable; each access is a page fault at the address the demo names.
@pytest.mark.parametrize("mode,cause", [
    ("write-code", r"scause 000000000000000f: store/AMO page fault"),
    ("write-rodata", r"scause 000000000000000f: store/AMO page fault"),
    ("exec-data", r"scause 000000000000000c: instruction page fault"),
])
def test_base_code_is_read_only_and_data_never_executes_on_riscv64(mode, cause):
    out = run_to_completion("fault-demo-riscv64", [], app="fault-demo", timeout=30, arch=ARCH, status=1,
                            run_name=f"fault-demo-riscv64-{mode}", qemu_extra=("-append", mode))
    m = re.search(r"fault-demo: \S+ .* at (?:0x)?([0-9a-f]+)", out)
    assert m, out
    assert re.search(cause, out), out
    assert re.search(rf"stval 0*{m.group(1)}\s", out), out
    assert "cvisor PANIC on cpu0: unrecoverable exception in HS-mode" in out
    assert "UNREACHABLE" not in out
