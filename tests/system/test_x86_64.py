"""The unikernel base on x86_64 (issue 15, base bullet): QEMU q35 with `-cpu EPYC`, entered through
QEMU's multiboot loader, the machine described by the multiboot memory map and ACPI (MADT, FADT,
MCFG) instead of a DTB (base/arch/x86_64, base/platform/qemu-x86_64-q35): long mode on the base's
own 4-level tables, the xAPIC timer calibrated against the PIT with the TSC as the counter, the
other CPUs started with INIT/startup IPIs through the real-mode trampoline, IPIs through the ICR,
COM1 as the console with its receive interrupt through the I/O APIC, power-off through ACPI PM1a
(QEMU exits 0), a readable fatal exception report, and the disk through virtio-pci."""
import random
import re

import pytest
from cvisor import SYSTEST, Machine, build_image, run_to_completion
from test_virtio_blk import fnv1a

ARCH = "x86_64"


def test_base_demo_boots_on_x86_64():
    image, _ = build_image("base-demo-x86_64", [], app="base-demo", arch=ARCH)
    m = Machine(image, "base-demo-x86_64", smp=4, mem="2G", timeout=40, arch=ARCH)
    try:
        status = m.wait_exit(40)  # ACPI soft-off ends QEMU
        out = m.text()
    finally:
        m.close()
    assert status == 0, out
    # The machine as ACPI describes it: 4 enabled local APICs in the MADT, PCI through MCFG.
    assert re.search(r"boot: ACPI [RX]SDT: 4 CPUs, \d+ RAM ranges, [1-9]\d* PCI functions", out), out
    m_t = re.search(r"timer: TSC (\d+)\.\d+ MHz, local APIC timer (\d+)\.\d+ MHz", out)
    assert m_t and int(m_t.group(1)) > 100, out
    # QEMU's APIC timer runs at 1 GHz / 16 (the base divides by 16): calibration within 10 %.
    assert 56 <= int(m_t.group(2)) <= 69, out
    assert re.search(r"base-demo: 4 CPUs, (\d+) MiB free, xAPIC \+ I/O APIC", out), out
    free = int(re.search(r"base-demo: 4 CPUs, (\d+) MiB free", out).group(1))
    assert 1900 <= free <= 2048, out  # all of the 2 GiB the memory map gives, less the image
    for cpu in (1, 2, 3):
        assert re.search(rf"cpu{cpu} I: base-demo: cpu{cpu} online", out), out
    assert "base-demo: 5 timer interrupts, 3 secondary CPUs checked in" in out
    assert "base-demo: IPIs answered by 3 of 3 secondary CPUs" in out
    assert "base-demo: done" in out
    assert "fatal" not in out


def test_console_input_by_interrupt_on_x86_64():
    """COM1's receive interrupt reaches CPU 0 through the I/O APIC (ISA IRQ 4 = GSI 4, IRQ 36)."""
    image, _ = build_image("console-demo-x86_64", [], app="console-demo", arch=ARCH)
    m = Machine(image, "console-demo-x86_64", smp=2, timeout=40, arch=ARCH)
    try:
        m.expect(r"console-demo: reading the console by interrupt 36;", timeout=30)
        m.send("hello\r")
        m.expect(r'console-demo: got "hello" \((\d+) receive interrupts', timeout=10)
        m.send("xyzq")
        m.expect(r'console-demo: got "xyz"', timeout=10)
        m.expect(r"console-demo: done", timeout=10)
        assert m.wait_exit(20) == 0
    finally:
        m.close()


def test_fatal_exception_report_on_x86_64():
    # A panic powers off through the isa-debug-exit port: QEMU exits 1.
    out = run_to_completion("fault-demo-x86_64", [], app="fault-demo", timeout=40, arch=ARCH, status=1)
    assert "cvisor: fatal exception on cpu0: vector 14, page fault (#PF)" in out
    assert "error code 0 (page not present, read, supervisor)  CR2 0000007f00000000" in out
    assert re.search(r"RIP 0008:[0-9a-f]{16}  RFLAGS [0-9a-f]{16}  RSP 0010:[0-9a-f]{16}", out), out
    for reg in ("RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R8 ", "R9 ", "R10", "R11", "R12"):
        assert re.search(rf"{reg} [0-9a-f]{{16}}", out), (reg, out)
    assert re.search(r"R13 [0-9a-f]{16}  R14 [0-9a-f]{16}  R15 [0-9a-f]{16}", out), out
    assert re.search(r"CR0 [0-9a-f]{16}  CR3 [0-9a-f]{16}  CR4 [0-9a-f]{16}  EFER [0-9a-f]{16}", out), out
    assert "cvisor PANIC on cpu0: unrecoverable exception in the hypervisor" in out
    assert "UNREACHABLE" not in out


# W^X in the base's own map (docs/memory.md): the code is read-only (CR0.WP), the read-only data
# too, and with EFER.NXE nothing writable executes. Each is a page fault on a present page at the
# address the demo names: a write (error code 0x3) or an instruction fetch (error code 0x11).
@pytest.mark.parametrize("mode,error", [
    ("write-code", "error code 0x3 (protection violation, write, supervisor)"),
    ("write-rodata", "error code 0x3 (protection violation, write, supervisor)"),
    ("exec-data", "error code 0x11 (protection violation, read, supervisor, instruction fetch)"),
])
def test_base_code_is_read_only_and_data_never_executes_on_x86_64(mode, error):
    out = run_to_completion("fault-demo-x86_64", [], app="fault-demo", timeout=40, arch=ARCH, status=1,
                            run_name=f"fault-demo-x86_64-{mode}", qemu_extra=("-append", mode))
    m = re.search(r"fault-demo: \S+ .* at (?:0x)?([0-9a-f]+)", out)
    assert m, out
    assert "vector 14, page fault (#PF)" in out, out
    assert re.search(rf"{re.escape(error)}\s+CR2 0*{m.group(1)}\s", out), out
    assert "cvisor PANIC on cpu0: unrecoverable exception in the hypervisor" in out
    assert "UNREACHABLE" not in out


@pytest.mark.parametrize("legacy", ["auto", "on"], ids=["transitional", "modern-only"])
def test_virtio_blk_pci_reads_and_writes_the_disk(legacy):
    """The virtio-blk driver over virtio-pci (q35 has no virtio-mmio): found by the PCI walk
    (ECAM from MCFG), BARs mapped, MSI-X to CPU 0; reads the disk as blk-demo does on aarch64 and
    writes the last sector where the host sees it. A transitional device (id 0x1001) and a
    modern-only one (0x1042, disable-legacy=on) both go through the modern interface."""
    SYSTEST.mkdir(parents=True, exist_ok=True)
    disk = SYSTEST / f"blk-x86_64-{legacy}.img"
    rng = random.Random(4321)
    data = bytes(rng.getrandbits(8) for _ in range(3 * 1024 * 1024 + 512 * 5))
    disk.write_bytes(data)
    image, _ = build_image("blk-demo-x86_64", [], app="blk-demo", arch=ARCH)
    device = "virtio-blk-pci,drive=d0" + (",disable-legacy=on" if legacy == "on" else "")
    m = Machine(image, f"blk-demo-x86_64-{legacy}", mem="1G", timeout=60, arch=ARCH,
                extra=["-drive", f"if=none,file={disk},format=raw,id=d0", "-device", device])
    try:
        assert m.wait_exit(60) == 0
        out = m.text()
    finally:
        m.close()
    assert re.search(r"blockdev: virtio-blk0, 3 MiB", out), out
    match = re.search(r"blk-demo: read (\d+) bytes, fnv1a ([0-9a-f]{16})", out)
    assert match and int(match.group(1)) == len(data), out
    assert int(match.group(2), 16) == fnv1a(data)
    assert "blk-demo: last sector written and read back" in out
    assert disk.read_bytes()[-512:] == bytes([0x5a]) * 512


def test_svm_round_trip_on_x86_64():
    """SVM groundwork (apps/svm-demo): SVM with nested paging detected and enabled on every CPU
    (EFER.SVME, a host save area each), then a VMCB with nested page tables runs guest code that
    exits by VMMCALL (the host answers in RAX and steps RIP over it), by HLT after storing the
    answer + 1 into its memory (read back through the host's mapping of that memory), and by a
    nested page fault on a guest-physical address outside its 2 MiB."""
    out = run_to_completion("svm-demo-x86_64", [], app="svm-demo", smp=2, timeout=40, arch=ARCH)
    assert re.search(r"svm-demo: SVM revision \d+, \d+ ASIDs, nested paging yes", out), out
    assert "svm-demo: SVM enabled on 2 of 2 CPUs" in out, out
    assert re.search(r"#VMEXIT 0x81 \(VMMCALL\) at RIP 0x1005, RAX 0x1234,", out), out
    assert re.search(r"#VMEXIT 0x78 \(HLT\) at RIP 0x1010, RAX 0xcaff,", out), out
    assert "svm-demo: the guest wrote 0xcaff after the VMMCALL" in out, out
    assert re.search(r"#VMEXIT 0x400 \(nested page fault\) at RIP 0x1011, .* EXITINFO2 0x300000\n", out), out
    assert "svm-demo: done" in out
