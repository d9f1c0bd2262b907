"""Several riscv64 VMs in one boot (issue 14), from a FAT disk (APP_FEATURES=fs, virtio-blk on
QEMU virt's virtio-mmio) and built in: the original's riscv64 NimbOS config unchanged (its
passed-through PLIC becomes the VM's vPLIC filtered to its own sources, its passed-through UART,
the hypervisor's console, an emulated NS16550), with the plicfilter test guest standing in for
NimbOS at its load address; a Debian Linux VM sharing pCPU 0 with it; the echo guest and the
hostile sbiprobe on pCPU 1. Console focus switching both ways with input reaching the right VM,
the shell, WFI run natively by a vCPU alone on its pCPU and trapped while another shares it
(issue 17), and 20 stop/start cycles of a VM with the same free-page count after each. A second
boot: two Debian Linux VMs and the echo guest, OpenSBI made to boot on hart 1."""
import re
import subprocess

import boot_hart
from cvisor import BUILD, REPO, Machine, build_image, guest_dir
from test_fs import fat_disk
from test_linux import run
from test_shell import free_pages, shell

ARCH = "riscv64"
ESC = "\x1d"  # Ctrl-]
PROMPT = "~ # "
NIMBOS = "configs/vms/nimbos-riscv64-qemu-smp1.toml"
BUILT_IN = ["configs/vms/linux-b-riscv64.toml", "tests/configs/riscv64/echo-vm3-pcpu1.toml",
            "configs/vms/sbiprobe-amo-riscv64.toml"]
HEADER = r"--- (?:console of vm(\d+) '[\w-]+'|cvisor shell)"


def focus(m, vm):
    """Ctrl-] until vm (an id, or None for the shell) has the focus."""
    for _ in range(6):
        m.send(ESC)
        got = m.expect(HEADER).group(1)
        if (got and int(got)) == vm:
            return
    raise AssertionError(f"the focus never reached {vm or 'the shell'}:\n{m.text()[-3000:]}")


def wfi_irq(m, vm):
    m.sendline(f"vm stats {vm}")
    found = m.expect(r"vcpu0 on pCPU 0: \d+ exits \(hypercalls \d+, MMIO \d+, WFI (\d+), IRQ (\d+)\)")
    m.expect(r"cvisor> ")
    return int(found.group(1)), int(found.group(2))


def test_nimbos_config_from_disk_beside_linux_echo_and_a_hostile_guest():
    stand_in = guest_dir(ARCH) / "plicfilter.bin"  # (no built-in config names it: built here)
    subprocess.run(["make", "-s", "CONFIG_MK=", f"BUILD={BUILD}", f"ARCH={ARCH}", str(stand_in)], cwd=REPO, check=True)
    disk = fat_disk("rv-multi", {"/guest/vm_default/nimbos.toml": (REPO / NIMBOS).read_bytes(),
                                 "/nimbos-riscv64.bin": stand_in.read_bytes()})
    image, _ = build_image("fs-rv-multi", BUILT_IN, arch=ARCH, extra=["APP_FEATURES=fs"])
    m = Machine(image, "fs-rv-multi", smp=2, mem="1G", timeout=240, arch=ARCH,
                extra=["-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"])
    try:
        m.expect(r"\[vm1\] plicfilter: waiting for input")
        # Linux (sharing pCPU 0 with NimbOS, halted in WFI) to its shell
        focus(m, 2)
        m.expect(r"cvisor-guest: init started", timeout=200)
        m.expect(re.escape(PROMPT))
        out = m.text()
        # The NimbOS config, unchanged, from the disk: warnings for the two host devices it
        # names, the image loaded from the disk at NimbOS's address.
        assert re.search(r"W: /guest/vm_default/nimbos\.toml:\d+: devices\.passthrough_devices\[0\]: 'PLIC@c000000' "
                         r"\[0xc000000, 0xc210000\) is served by the VM's vPLIC \(filtered: only its own interrupt "
                         r"sources\), not passed through", out), out
        assert re.search(r"W: /guest/vm_default/nimbos\.toml:\d+: devices\.passthrough_devices\[1\]: \[0x10000000, "
                         r"0x10001000\) is the hypervisor's console UART: it is not passed through, the VM gets an "
                         r"emulated NS16550 there", out), out
        assert "vm1 'nimbos': 1 vCPU on pCPU 0, 16 MiB RAM, kernel 'nimbos-riscv64.bin' (from disk)" in out, out
        # Its PLIC: every source's priority and every enable bit written, only its UART's source
        # 10 kept; the others (the host's disk and RTC among them, and its UART's on the host,
        # which the hypervisor takes) are not there: nothing enabled, nothing pending.
        assert re.findall(r"plicfilter: source (\d+) kept priority (\d+)", out) == [("10", "7")], out
        assert "[vm1] plicfilter: 1 of 95 sources exist; enable words 0x400 0 0; pending 0 0 0" in out, out
        # the hostile guest beside them: its SBI calls refused, then ended with a report
        assert re.search(r"\[vm5\] sbiprobe\(vm5\): DBCN write outside RAM -> -3, above 4 GiB -> -3, across its end "
                         r"-> -3", out), out
        assert re.search(r"vm5 E: vm5 'sbiprobe-amo' ended: fault \(vcpu0: write access that cannot be emulated", out), out
        assert run(m, "echo $((6*7))").strip() == "42"
        # the echo guest gets what is typed while it has the focus (it prints through SBI: tagged)
        focus(m, 3)
        m.sendline("hello riscv")
        m.expect(r"\[vm3\] HELLO RISCV")
        # The shell: the two VMs on pCPU 0 trap WFI while they share it (NimbOS halted once,
        # Linux at each idle).
        focus(m, None)
        m.expect(r"cvisor> ")
        nimbos_wfi, _ = wfi_irq(m, 1)
        linux_wfi, _ = wfi_irq(m, 2)
        assert nimbos_wfi >= 1 and linux_wfi >= 1, (nimbos_wfi, linux_wfi)
        # NimbOS takes its UART's receive interrupt through its filtered PLIC (the host's PLIC
        # still gives the hypervisor its console input), then powers off.
        focus(m, 1)
        m.sendline("xyz")
        m.expect(r"\[vm1\] plicfilter: interrupt scause 0x8000000000000009, claimed source 10, read 'xyz'")
        m.expect(r"vm1 'nimbos' ended: shutdown")
        focus(m, None)
        m.expect(r"cvisor> ")
        # echo (vm3) stopped and started 20 times: the same free pages after each stop
        base = None
        for cycle in range(20):
            shell(m, "vm stop 3", r"vm3 'echo' ended: shutdown \(stopped from the shell\)")
            free = free_pages(m)
            base = free if base is None else base
            assert free == base, f"cycle {cycle}: {free} free pages, first cycle {base}"
            shell(m, "vm start 3", r"vm3 'echo': 1 vCPU on pCPU 1")
            # it runs again (its line may come before or after the log line: wait for it, or the
            # next stop may end it before it printed)
            while m.text().count("[vm3] echo guest ready") < cycle + 2:
                m.expect(r"\[vm3\] echo guest ready")
        # Linux has been alone on pCPU 0 since NimbOS ended: its idle WFI runs natively, no more
        # WFI exits while it idles and while it waits for and runs a command.
        alone_wfi, _ = wfi_irq(m, 2)
        focus(m, 3)
        m.sendline("again")
        m.expect(r"\[vm3\] AGAIN")
        assert m.text().count("[vm3] echo guest ready") == 21  # it ran again after every start
        # and back to Linux, whose input still reaches it
        focus(m, 2)
        assert run(m, "sleep 1; echo back-$((40+2))").strip() == "back-42"
        focus(m, None)
        m.expect(r"cvisor> ")
        assert wfi_irq(m, 2)[0] == alone_wfi, "WFI exits by a vCPU alone on its pCPU"
        assert "UNREACHABLE" not in m.text()
    finally:
        m.close()


def memory_kib(m):
    """The RAM the running Linux found in its device tree: 'Memory: <free>K/<total>K available'."""
    return int(re.search(r"Memory: \d+K/(\d+)K available", run(m, "dmesg | grep 'Memory:'")).group(1))


def test_two_linux_vms_and_a_test_guest_with_console_switching():
    """Two Debian Linux VMs (256 MiB on hart 0, named by its hart id; 192 MiB on pCPU 1, named by
    its pCPU number) and the echo guest (pCPU 1) in one boot: typed input reaches the focused VM
    only, each Linux has only its own RAM and its own files, and one Linux powering off leaves the
    other running. OpenSBI is made to boot on hart 1 (boot_hart.py), which it does now and then by
    itself on a loaded host: cvisor moves its boot to hart 0, so pCPU 0 is hart 0 as in every
    other boot, and the two Linux VMs are on two pCPUs (before, hart 0 was then pCPU 1, shared by
    all three VMs, and the test waited in vain for vm1 on pCPU 0 while Linux idled at its prompt)."""
    image, _ = build_image("rv-two-linux", ["configs/vms/linux-riscv64.toml", "tests/configs/riscv64/linux-b-vm2-pcpu1.toml",
                                            "tests/configs/riscv64/echo-vm3-pcpu1.toml"], arch=ARCH)
    gdb_args, gdb_socket = boot_hart.qemu_args("rv-two-linux")
    m = Machine(image, "rv-two-linux", smp=2, mem="1G", timeout=240, arch=ARCH, extra=gdb_args)
    try:
        boot_hart.boot_on_hart1(m, gdb_socket)
        # (seconds after the start: a missing line fails here, not after a Linux boot's timeout)
        m.expect(r"boot: the firmware entered on hart 1; booting on hart 0", timeout=60)
        for vm in (r"vm1 'linux': 1 vCPU on pCPU 0, 256 MiB RAM", r"vm2 'linux-b': 1 vCPU on pCPU 1, 192 MiB RAM",
                   r"vm3 'echo': 1 vCPU on pCPU 1"):
            m.expect(vm, timeout=60)
        # linux (vm1) has the focus first
        m.expect(r"cvisor-guest: init started", timeout=200)
        m.expect(re.escape(PROMPT))
        assert run(m, "echo first-$((1+1)) > /tmp/mark; cat /tmp/mark").strip() == "first-2"
        assert memory_kib(m) == 256 * 1024
        focus(m, 2)
        m.expect(r"cvisor-guest: init started", timeout=200)  # its boot log, kept while unfocused
        m.expect(re.escape(PROMPT))
        # a different machine: vm1's file is not here, and only its own 192 MiB of RAM
        assert run(m, "cat /tmp/mark 2>&1; echo second-$((2+2))").strip().splitlines() == [
            "cat: can't open '/tmp/mark': No such file or directory", "second-4"]
        assert memory_kib(m) == 192 * 1024
        focus(m, 3)
        m.sendline("hello vms")
        m.expect(r"\[vm3\] HELLO VMS")
        focus(m, None)
        m.expect(r"cvisor> ")
        m.sendline("vm list")
        for vm in (r"1\s+linux\s+running", r"2\s+linux-b\s+running", r"3\s+echo\s+running"):
            m.expect(vm)
        focus(m, 1)
        assert run(m, "cat /tmp/mark").strip() == "first-2"  # its file is still there, typed input reached it
        # vm2 powers off: it alone ends; linux and echo go on (a Linux VM's reboot restarting it
        # alone is test_riscv64_linux.py's and test_riscv64_hv.py's)
        focus(m, 2)
        m.sendline("poweroff -f")
        m.expect(r"vm2 'linux-b' ended: shutdown \(SBI system reset \(shutdown, reason 0\) from vcpu0\)")
        focus(m, 1)
        assert run(m, "cat /tmp/mark; echo still-$((3+3))").strip().splitlines() == ["first-2", "still-6"]
        focus(m, 3)
        m.sendline("still here")
        m.expect(r"\[vm3\] STILL HERE")
        focus(m, None)
        m.expect(r"cvisor> ")
        m.sendline("vm list")
        for vm in (r"1\s+linux\s+running", r"2\s+linux-b\s+(?!running)\w+", r"3\s+echo\s+running"):
            m.expect(vm)
        out = m.text()
        assert "UNREACHABLE" not in out
        assert "did not come online" not in out and "did not start" not in out, out  # hart 1 joined as pCPU 1
    finally:
        m.close()
