"""The hypervisor on riscv64 (issue 14, first step): cvisor in HS-mode with the H extension runs
the in-tree test guests in VS-mode on QEMU virt: G-stage translation, the SBI it answers (BASE,
TIME, IPI, RFENCE, HSM, SRST, DBCN, legacy console), the device tree it generates, WFI halting
the vCPU until its timer (Sstc's vstimecmp, or the SBI timer without Sstc) wakes it, MMIO
decoding, and a guest that touches memory outside its regions stopped with a report."""
import re

import pytest
from cvisor import Machine, build_image

ARCH = "riscv64"


def boot(name, configs, smp=2, extra=(), timeout=40, status=0, log="info", run_name=None):
    image, _ = build_image(name, configs, arch=ARCH, log=log)
    m = Machine(image, run_name or name, smp=smp, mem="1G", timeout=timeout, arch=ARCH, extra=list(extra))
    try:
        exit_status = m.wait_exit(timeout)
        out = m.text()
    finally:
        m.close()
    assert exit_status == status, f"QEMU exit status {exit_status}, not {status}; console:\n{out}"
    return out


@pytest.mark.parametrize("timer", ["sstc", "sbi"])
def test_hello_guest_on_riscv64(timer):
    """hello in a VM: cvisor's hypercalls, the SBI console calls, BASE, the generated DTB, and the
    timer waking a WFI-halted vCPU; with Sstc twice (SBI TIME, then the guest's own stimecmp),
    without it (`sstc=off`: the host timer stands in, hvip.VSTIP raised by cvisor) once."""
    extra = [] if timer == "sstc" else ["-cpu", "rv64,sstc=off"]  # the last -cpu wins
    out = boot("hv-riscv64-hello", ["configs/vms/hello-riscv64.toml"], extra=extra,
               run_name=f"hv-riscv64-hello-{timer}")
    assert "cpu0 I: cvisor 0.1.0: arch riscv64, platform qemu-riscv64-virt, 2 pCPUs" in out
    # (hart 0, which the config names, is pCPU 0 or 1: OpenSBI boots cvisor on either hart)
    assert re.search(r"vm1 'hello': 1 vCPU on pCPU [01], 16 MiB RAM, kernel 'hello.bin' \(built in\)", out), out
    assert "[vm1] hello: running in vm1 on vcpu0, a1=0x80f00000" in out  # boot protocol: a1 = DTB
    assert "[vm1] hello: vm1 writes through the legacy SBI console" in out
    assert "[vm1] hello: and through SBI DBCN" in out
    assert "[vm1] hello: DBCN wrote 28 bytes (error 0); SBI spec 2.0, impl 0x43565352" in out
    # HSM is there, PMU is not; an unknown extension is SBI_ERR_NOT_SUPPORTED; an unknown
    # cvisor hypercall HC_ENOSYS
    assert "[vm1] hello: probe HSM 1, probe PMU 0, unknown extension -> -2, unknown hypercall -> -1" in out
    isa = "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs" + ("_sstc" if timer == "sstc" else "")
    # IPI: taken as the software interrupt and acknowledged; a hart outside the VM is refused.
    # RFENCE: fence.i and sfence.vma done, hfence (for a guest hypervisor) not supported.
    assert ("[vm1] hello: SBI IPI to itself -> 0, interrupt scause 0x8000000000000001; IPI to hart 5 -> -3"
            in out)
    assert "[vm1] hello: remote fence.i -> 0, remote sfence.vma -> 0, remote hfence.gvma -> -2" in out
    assert (f"[vm1] hello: DTB: 1 cpus, timebase 10000000 Hz, isa {isa}, mmu riscv,sv39, "
            "intc riscv,cpu-intc") in out
    waits = [int(us) for us in re.findall(r"hello: SBI timer interrupt \(scause 0x8000000000000005\) woke WFI "
                                          r"after (\d+) us", out)]
    assert len(waits) == 1 and 20000 <= waits[0] < 2000000, out  # not before the 20 ms deadline
    stimecmp = re.findall(r"hello: stimecmp interrupt \(scause 0x8000000000000005\) woke WFI after (\d+) us", out)
    if timer == "sstc":
        assert len(stimecmp) == 1 and int(stimecmp[0]) >= 20000, out
    else:
        assert not stimecmp, out
    assert "[vm1] hello: powering off" in out
    assert "vm1 'hello' ended: shutdown (SBI system reset (shutdown, reason 0) from vcpu0)" in out
    assert "cvisor: powering off" in out
    assert "FAIL" not in out and "fatal" not in out


def test_smp_guest_and_memprobe_on_riscv64():
    """One boot, three VMs on two pCPUs: smp starts its second vCPU with SBI HSM (hart_start,
    status, the errors of a second start and of a hart it does not have, hart_stop); memprobe reads
    guest-physical memory outside its region and is stopped with a report (the MMIO path: the
    load is decoded, no device takes it); ticker shares pCPU 0 and runs on to its end."""
    out = boot("hv-riscv64-smp-memprobe", ["configs/vms/smp-riscv64.toml", "configs/vms/memprobe-riscv64.toml",
                                            "configs/vms/ticker-riscv64.toml"], timeout=60)
    assert re.search(r"vm2 'smp': 2 vCPUs on pCPU (0,1|1,0)", out), out
    assert "[vm2] smp: vcpu1 up, context id 1" in out
    assert "[vm2] smp: met vcpu1 (context 1)" in out
    # STARTED, SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_INVALID_PARAM
    assert "[vm2] smp: HSM status(1) = 0, hart_start again = -6, hart_start of vcpu 7 = -3" in out
    assert "[vm2] smp: vcpu1 turning itself off" in out
    assert "[vm2] smp: vcpu1 is off" in out
    assert "vm2 'smp' ended: shutdown" in out
    # memprobe: an 8-byte load (ld) outside its 16 MiB at 0x8000_0000, decoded and refused
    assert "[vm3] memprobe: reading guest-physical 0x81000000, outside my memory" in out
    assert re.search(r"vm3 E: vcpu0: read of 8 bytes at guest-physical 0x81000000, outside the VM's memory", out), out
    fault = [l for l in out.splitlines() if "vm3 'memprobe' ended: fault" in l]
    assert fault and "guest-physical 0x81000000" in fault[0], out
    assert "UNREACHABLE" not in out
    idx_fault = out.index("'memprobe' ended: fault")
    assert "ticker(vm4): tick 20" in out[idx_fault:]
    assert "vm4 'ticker' ended: shutdown" in out
    assert "cvisor: powering off" in out
