"""System tests of the foundation: the base alone, the hypervisor with the in-tree guests,
isolation, and power-off when the last VM ends."""
import re

import pytest
from cvisor import REPO, lines_matching, run_to_completion

VMS = REPO / "configs" / "vms"
HELLO = "configs/vms/hello-aarch64.toml"
SMP = "configs/vms/smp-aarch64.toml"
MEMPROBE = "configs/vms/memprobe-aarch64.toml"
TICKER = "configs/vms/ticker-aarch64.toml"


@pytest.mark.parametrize("gic", [3, 2])
def test_base_runs_without_the_hypervisor_app(gic):
    """On either host GIC: the base picks its driver from the DTB (interrupts, timer, SGIs)."""
    out = run_to_completion(f"base-demo-gicv{gic}", [], app="base-demo", timeout=30, gic=gic)
    assert re.search(rf"base-demo: 2 CPUs, \d+ MiB free, GICv{gic}", out), out
    assert "base-demo: 2 CPUs" in out
    assert re.search(r"cpu1 I: base-demo: cpu1 online", out)
    assert "base-demo: 5 timer interrupts, 1 secondary CPUs checked in" in out
    assert "base-demo: IPIs answered by 1 of 1 secondary CPUs" in out


def test_banner_hypercall_and_passthrough_console():
    out = run_to_completion("hello", [HELLO])
    assert re.search(r"cvisor \S+: arch aarch64, platform qemu-aarch64-virt, 2 pCPUs, 2048 MiB RAM, log level info", out)
    assert re.search(r"vm1 'hello': 1 vCPU on pCPU 0, 16 MiB RAM, kernel 'hello.bin' \(built in\)", out)
    # through the console hypercall: tagged with the VM by the hypervisor
    assert "[vm1] hello: running in vm1 on vcpu0" in out
    # straight to its PL011: no tag, the guest wrote the bytes itself; the host UART is the
    # hypervisor's, so the config's passthrough of it became an emulated PL011
    assert re.search(r"hello-aarch64.toml:\d+: devices.passthrough_devices\[0\]: \[0x9000000, 0x9001000\) is the "
                     r"hypervisor's console UART: it is not passed through, the VM gets an emulated PL011 there", out)
    assert re.search(r"(?m)^hello: vm1 writes straight to its PL011", out)
    assert "[vm1] hello: PSCI version 1.1, SYSTEM_OFF feature 0, unknown hypercall -> -1" in out
    # the calls the exit fast path answers (and one it leaves to the full path): x0 only changes
    for line in ("HC_NULL -> 0, x1-x17 kept", "HC_NULL/32 -> 0, x1-x17 kept", "PSCI_VERSION -> 0x10001, x1-x17 kept",
                 "SMCCC_VERSION -> 0x10001, x1-x17 kept", "HC_VCPU_ID -> 0, x1-x17 kept"):
        assert f"[vm1] hello: {line}" in out
    # axvisor's code 0 (HypervisorDisable) is not cvisor's null call: refused in both forms
    assert "[vm1] hello: axvisor code 0 -> -1, bare -> -1" in out
    assert "vm1 'hello' ended: shutdown (PSCI SYSTEM_OFF from vcpu0)" in out
    assert "cvisor: powering off" in out


def test_guest_starts_second_vcpu_with_psci():
    out = run_to_completion("smp", [SMP])
    assert "vm2 'smp': 2 vCPUs on pCPU 0,1" in out
    assert "[vm2] smp: vcpu1 up, context id 1" in out
    assert "[vm2] smp: met vcpu1 (context 1)" in out
    # ON, ALREADY_ON, INVALID_PARAMETERS
    assert "[vm2] smp: AFFINITY_INFO(1) = 0, CPU_ON again = -4, CPU_ON of vcpu 7 = -2" in out
    assert "[vm2] smp: vcpu1 is off" in out
    assert "vm2 'smp' ended: shutdown" in out


def test_guest_touching_foreign_memory_is_stopped_while_another_vm_runs():
    out = run_to_completion("isolation", [MEMPROBE, TICKER])
    fault = lines_matching(out, r"vm3 E: vm3 'memprobe' ended: fault")
    assert fault and "guest-physical 0x41000000" in fault[0]
    assert "UNREACHABLE" not in out
    # the other VM was running before and after the fault, and ends normally
    idx_fault = out.index("'memprobe' ended: fault")
    assert "ticker(vm4): tick 20" in out[idx_fault:]
    assert "vm4 'ticker' ended: shutdown" in out
    assert re.search(r"vm3 'memprobe': fault .*\s+.*vm4 'ticker': shutdown", out)


def test_two_vms_time_share_one_pcpu():
    # hello and ticker are both pinned to pCPU 0; with one pCPU both must still finish.
    out = run_to_completion("share-pcpu", [TICKER, HELLO], smp=1)
    assert "1 pCPUs" in out
    assert "vm1 'hello' ended: shutdown" in out
    assert "vm4 'ticker' ended: shutdown" in out
    # hello finished while ticker was still ticking: time slicing, not run-to-completion
    assert out.index("'hello' ended") < out.index("ticker(vm4): tick 20")


MEMORY = re.compile(r"cpu0 I: memory: (\d+) B of pages in use, heap slack (\d+) B")
VM_RAM = re.compile(r"cpu0 I: vm\d+ '[^']*': \d+ vCPUs? on pCPUs? [\d,]+, (\d+) MiB RAM")


def hypervisor_bytes(out):
    """What cvisor itself holds by its own count: pages in use minus the VMs' RAM (all allocated
    by cvisor in these configs) minus the heap's free slack (make bench's RAM rows)."""
    (used, slack), = MEMORY.findall(out)
    assert int(slack) < 1 << 20  # the heap grows by 1 MiB arenas
    return int(used) - int(slack) - sum(int(m) << 20 for m in VM_RAM.findall(out))


def test_memory_count_grows_by_the_added_vms_ram_and_a_little_state():
    one = run_to_completion("memcount-1", [HELLO], smp=1)
    two = run_to_completion("share-pcpu", [TICKER, HELLO], smp=1)  # the time-sharing test's image
    assert len(VM_RAM.findall(one)) == 1 and len(VM_RAM.findall(two)) == 2
    per_vm = hypervisor_bytes(two) - hypervisor_bytes(one)
    assert 4096 <= per_vm < 256 * 1024, per_vm  # its VM and vCPU state and stage-2 tables, not its RAM


@pytest.mark.parametrize("level,shown,hidden", [
    ("debug", r"vm1 D: loaded kernel 'hello.bin'", None),
    ("warn", r"\[vm1\] hello: powering off", r"cpu0 I: "),
])
def test_log_level(level, shown, hidden):
    out = run_to_completion(f"log-{level}", [HELLO], log=level)
    assert re.search(shown, out)
    if hidden:
        assert not re.search(hidden, out)


def test_no_valid_vm_powers_off_with_error():
    # a failure: QEMU exits 1 (cvisor's pvpanic power-off), not 0
    out = run_to_completion("no-vm", ["tests/configs/invalid/syntax-error.toml"], status=1)
    assert "no VM could be started" in out


def test_fatal_el2_exception_report():
    out = run_to_completion("fault-demo", [], app="fault-demo", timeout=30, status=1)  # a panic: failure status
    assert "fatal synchronous exception from EL2 on cpu0" in out
    assert re.search(r"EC 0x25: data abort at EL2", out)
    assert "translation fault, read access" in out
    assert re.search(r"FAR 0000007f00000000  ELR [0-9a-f]{16}", out)
    assert re.search(r"x0  [0-9a-f]{16}  x1  [0-9a-f]{16}", out)
    assert "cvisor PANIC on cpu0: unrecoverable exception at EL2" in out
    assert "UNREACHABLE" not in out


# W^X in the hypervisor's own map (docs/memory.md): its code is read-only, its read-only data
# too, and nothing writable can be executed. Each access ends in the fatal report, at the address
# the demo names, as a permission fault (the page is mapped, with other rights).
@pytest.mark.parametrize("mode,ec,access", [
    ("write-code", r"EC 0x25: data abort at EL2", "write"),
    ("write-rodata", r"EC 0x25: data abort at EL2", "write"),
    ("exec-data", r"EC 0x21: instruction abort at EL2", "fetch"),
])
def test_hypervisor_code_is_read_only_and_data_never_executes(mode, ec, access):
    out = run_to_completion("fault-demo", [], app="fault-demo", timeout=30, status=1, run_name=f"fault-demo-{mode}",
                            qemu_extra=("-append", mode))
    m = re.search(r"fault-demo: \S+ .* at (?:0x)?([0-9a-f]+)", out)
    assert m, out
    assert re.search(ec, out), out
    assert re.search(rf"permission fault, level \d, {access} access|permission fault.*, {access} access", out), out
    assert re.search(rf"FAR 0*{m.group(1)}\s", out), out
    assert "cvisor PANIC on cpu0: unrecoverable exception at EL2" in out
    assert "UNREACHABLE" not in out
