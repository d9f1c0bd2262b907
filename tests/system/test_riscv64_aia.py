"""riscv64 on QEMU virt with the AIA (aia=aplic-imsic): the board qemu-riscv64-virt-aia.

The hypervisor's own interrupts come from the APLIC in MSI mode through each hart's S-level
IMSIC file; a VM given a guest interrupt file takes its passed-through device's interrupt
there, without cvisor on the path (docs/riscv64.md, "AIA")."""
import re

from cvisor import Machine, build_image

ARCH = "riscv64"
AIA = "qemu-riscv64-virt-aia"


def test_console_input_through_the_aplic_and_the_s_level_imsic_file():
    """The host UART's receive interrupt (APLIC source 10, sent as identity 10 to hart 0's S
    file) feeds typed input to the echo guest: without the AIA driver cvisor finds no PLIC and
    stops at boot."""
    image, _ = build_image("hv-riscv64-aia-echo", ["configs/vms/echo-riscv64.toml"], arch=ARCH, platform=AIA)
    m = Machine(image, "hv-riscv64-aia-echo", smp=2, mem="1G", timeout=40, arch=ARCH, platform=AIA)
    try:
        m.expect(r"aia: APLIC 0xd000000 \(96 sources, MSI mode\), IMSIC S files 0x28000000, 3 guest files")
        m.expect(r"\[vm1\] echo guest ready")
        for line in ("hello aia", "second line"):
            m.send(line + "\r")
            m.expect(r"\[vm1\] " + line.upper())
        m.send("exit\r")
        m.wait_exit(30)
    finally:
        m.close()
