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
    assert "hello: vm1 writes straight to its NS16550" in out  # the emulated UART (its MMIO, decoded)
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
    susp = re.findall(r"hello: HSM retentive suspend -> 0 after (\d+) us", out)  # halted until the timer
    assert len(susp) == 1 and int(susp[0]) >= 20000, out
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
    # an IPI and remote fences to vcpu1 while it runs on the other pCPU (the fences return once
    # it has left the guest); it finds the software interrupt pending and acknowledges it
    assert "[vm2] smp: IPI to vcpu1 -> 0, remote sfence.vma on vcpu1 -> 0, remote fence.i on all -> 0" in out
    assert "[vm2] smp: vcpu1 found the IPI pending, cleared it" in out
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


SBI_ERRORS = [
    # buffers outside the VM's RAM, above 4 GiB, straddling its end: SBI_ERR_INVALID_PARAM
    r"DBCN write outside RAM -> -3, above 4 GiB -> -3, across its end -> -3",
    r"DBCN read outside RAM -> -3, legacy getchar -> -1",
    # a hart the VM does not have: INVALID_PARAM; an entry outside its RAM: INVALID_ADDRESS
    r"hart_start of hart 99 -> -3, at an entry outside RAM -> -5, status of hart 99 -> -3",
    # reserved types, and hart masks naming harts it does not have (nothing is sent)
    r"suspend type 5 -> -3, reset type 7 -> -3, IPI to harts 1-63 -> -3, RFENCE of hart 40 -> -3",
    # its vPLIC written where it has no source, word or context: ignored, read as zero, its own
    # state (source 10's priority and enable) kept; nothing was claimed
    r"PLIC after hostile writes: priority 0 0, 10 5, 96 0, 1023 0; pending 0; enable 1:0 0x400, 1:3 0, 2:0 0; "
    r"claim 0",
]


def test_hostile_sbi_calls_and_accesses_are_refused_on_riscv64():
    """Two hostile VMs share pCPU 1 while ticker runs on pCPU 0: every SBI call with arguments
    pointing outside the VM is answered with an error, every write to its vPLIC where the PLIC
    has nothing is ignored (the VM goes on); then an AMO to guest-physical space with
    nothing there (not an integer load/store: cannot be emulated) ends vm5, a jump there (a
    fetch guest-page fault) ends vm6, and a byte load of its vPLIC ends vm8, each with a report;
    the hypervisor and ticker go on."""
    out = boot("hv-riscv64-hostile", ["configs/vms/sbiprobe-amo-riscv64.toml",
                                       "configs/vms/sbiprobe-fetch-riscv64.toml",
                                       "tests/configs/riscv64/sbiprobe-plicwidth.toml",
                                       "configs/vms/ticker-riscv64.toml"], timeout=60)
    for vm in (5, 6, 8):
        for line in SBI_ERRORS:
            assert re.search(rf"\[vm{vm}\] sbiprobe\(vm{vm}\): " + line, out), (vm, line, out)
    assert re.search(r"vm5 E: vm5 'sbiprobe-amo' ended: fault \(vcpu0: write access that cannot be emulated "
                     r"\(instruction 0x8a4252f\) \(guest-physical 0x10000000\)", out), out
    assert re.search(r"vm6 E: vm6 'sbiprobe-fetch' ended: fault \(vcpu0: instruction fetch outside guest memory "
                     r"\(guest-physical 0x10000000\), pc 0x10000000\)", out), out
    # a byte load of the vPLIC (32-bit words only): not taken by the exit path's vPLIC shortcut,
    # reported by the generic MMIO path, and that VM alone ends
    assert re.search(r"vm8 E: vcpu0: read of 1 bytes at guest-physical 0xc000028, outside the VM's memory "
                     r"\(rejected by vplic\)", out), out
    assert "vm8 'sbiprobe-plicwidth' ended: fault" in out
    assert "UNREACHABLE" not in out
    last_fault = max(out.index("'sbiprobe-amo' ended"), out.index("'sbiprobe-fetch' ended"),
                     out.index("'sbiprobe-plicwidth' ended"))
    assert "ticker(vm4): tick 20" in out[last_fault:]
    assert "vm4 'ticker' ended: shutdown" in out
    assert "cvisor: powering off" in out


def test_sbi_reboot_restarts_the_vm_on_riscv64():
    """SBI SRST cold reboot: cvisor restarts that VM from its images (twice here), which runs
    from its entry again with its memory as new."""
    image, _ = build_image("hv-riscv64-reboot", ["configs/vms/sbiprobe-reboot-riscv64.toml"], arch=ARCH)
    m = Machine(image, "hv-riscv64-reboot", smp=2, mem="1G", timeout=30, arch=ARCH)
    try:
        for _ in range(2):
            m.expect(r"\[vm7\] sbiprobe\(vm7\): cold reboot")
            m.expect(r"vm7 I: vm7 'sbiprobe-reboot' is restarting \(SBI system reset \(cold reboot\) from vcpu0\)")
        m.expect(r"\[vm7\] sbiprobe\(vm7\): DBCN write outside RAM -> -3")  # the third run
        out = m.text()
    finally:
        m.close()
    assert "UNREACHABLE" not in out
    assert "ended" not in out


def test_two_vms_time_share_one_pcpu_on_riscv64():
    """hello and ticker on the one pCPU there is: their VS state (CSRs, vstimecmp, FP) is switched
    between them, hello's timer waits in WFI are woken while ticker runs, and both finish."""
    out = boot("hv-riscv64-share", ["configs/vms/ticker-riscv64.toml", "configs/vms/hello-riscv64.toml"], smp=1,
               timeout=60)
    assert "vm1 'hello': 1 vCPU on pCPU 0" in out and "vm4 'ticker': 1 vCPU on pCPU 0" in out
    assert "[vm1] hello: SBI IPI to itself -> 0, interrupt scause 0x8000000000000001" in out
    waits = re.findall(r"hello: (?:SBI timer|stimecmp) interrupt \(scause 0x8000000000000005\) woke WFI after (\d+) us",
                       out)
    assert len(waits) == 2 and all(int(w) >= 20000 for w in waits), out
    assert "ticker(vm4): tick 20" in out
    assert "vm1 'hello' ended: shutdown" in out and "vm4 'ticker' ended: shutdown" in out
    assert "cvisor: powering off" in out


def test_riscv64_configs_are_checked_with_riscv64_facts(tmp_path):
    """`make ARCH=riscv64 check-config`: the riscv64 configs fit QEMU virt; a config naming a hart
    the machine lacks, or interrupt passthrough (which riscv64 does not offer), is refused with
    file, line and field, as the boot would refuse it."""
    import subprocess
    from cvisor import BUILD, REPO, SYSTEST

    def check(configs):
        # configs written under tmp_path get an image directory there too: its dependency file
        # names them, and a later run must not find it after pytest removed them
        image_dir = tmp_path / "check" if str(tmp_path) in configs[0] else SYSTEST / "hv-riscv64-check"
        r = subprocess.run(["make", "-s", "CONFIG_MK=", f"BUILD={BUILD}", "ARCH=riscv64",
                            f"IMAGE_DIR={image_dir}", "VM_CONFIGS=" + ":".join(configs),
                            "check-config"], cwd=REPO, capture_output=True, text=True, timeout=300)
        return r.returncode, r.stdout + r.stderr

    status, out = check(["configs/vms/hello-riscv64.toml", "configs/vms/smp-riscv64.toml"])
    assert status == 0 and "cvisor-check: 2 of 2 VMs would start; 0 errors, 0 warnings" in out, out
    # Linux's configs: their PLIC (emu_type 0x30) and images (make guest-images ARCH=riscv64)
    status, out = check(["configs/vms/linux-riscv64.toml"])
    assert status == 0 and "cvisor-check: 1 of 1 VMs would start; 0 errors, 0 warnings" in out, out
    small_plic = tmp_path / "small-plic.toml"
    small_plic.write_text((REPO / "configs/vms/linux-riscv64-smp2.toml").read_text()
                          .replace("0x0c00_0000, 0x40_0000", "0x0c00_0000, 0x20_2000"))
    status, out = check([str(small_plic)])
    assert status != 0 and re.search(
        r"^E: \S*small-plic.toml:\d+: devices\.emu_devices: the PLIC's window \(length 0x202000\) must hold its 4 "
        r"contexts \(two per vCPU\): length 0x204000 or more", out, re.M), out
    text = (REPO / "configs/vms/hello-riscv64.toml").read_text()
    bad_hart = tmp_path / "bad-hart.toml"
    bad_hart.write_text(text.replace("phys_cpu_ids = [0]", "phys_cpu_ids = [7]"))
    bad_irq = tmp_path / "bad-irq.toml"
    bad_irq.write_text(text.replace('interrupt_mode = "emu"', 'interrupt_mode = "passthrough"').replace("id = 1", "id = 2"))
    status, out = check([str(bad_hart), str(bad_irq)])
    assert status != 0, out
    assert re.search(r"^E: \S*bad-hart.toml:\d+: base\.phys_cpu_ids\[0\]: hart id 0x7 is not a CPU of this machine "
                     r"\(its hart ids: 0x0 0x1\)", out,
                     re.M), out
    assert re.search(r"^E: \S*bad-irq.toml:\d+: devices\.interrupt_mode: \"passthrough\" is not supported on riscv64",
                     out, re.M), out
    assert "cvisor-check: 0 of 2 VMs would start" in out, out


def test_echo_guest_reads_console_input_through_sbi():
    """Console input reaches a riscv64 VM that drives no UART: the echo guest polls SBI for the
    bytes its emulated NS16550 received, every other byte through DBCN's console read and the
    legacy console_getchar (before this, both read nothing). "exit" ends it with SBI SRST, and
    cvisor with it."""
    image, _ = build_image("hv-riscv64-echo", ["configs/vms/echo-riscv64.toml"], arch=ARCH)
    m = Machine(image, "hv-riscv64-echo", smp=2, mem="1G", timeout=40, arch=ARCH)
    try:
        m.expect(r"\[vm1\] echo guest ready")
        m.sendline("hello riscv")
        m.expect(r"\[vm1\] HELLO RISCV")
        m.sendline("exit")
        assert m.wait_exit(40) == 0
        assert "vm1 'echo' ended: shutdown (SBI system reset (shutdown, reason 0) from vcpu0)" in m.text()
    finally:
        m.close()


def test_passed_through_device_interrupt_is_forwarded_through_the_vplic():
    """The host's goldfish RTC given by device-tree path (/soc/rtc@101000, under QEMU's 1:1
    mapped /soc bus): its alarm interrupt, host PLIC source 11, reaches the guest as its vPLIC's
    source 11 (a supervisor external interrupt, scause 9), claimed and completed twice: the host
    source is masked while the guest has it and unmasked at its completion."""
    out = boot("hv-riscv64-rtcirq", ["configs/vms/rtcirq-riscv64.toml"], timeout=60)
    assert "passthrough by path: 1 devices (1 ranges, 1 interrupts)" in out, out
    for n in (1, 2):
        m = re.search(rf"\[vm1\] rtcirq: alarm {n}: scause 0x8000000000000009 after (\d+) us, claimed source 11, "
                      r"then 0", out)
        assert m and int(m.group(1)) >= 15000, out  # not before its 20 ms alarm (RTC and timer clocks differ)
    assert "vm1 'rtcirq' ended: shutdown" in out
