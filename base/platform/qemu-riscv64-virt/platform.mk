# QEMU virt, riscv64: RAM at 0x8000_0000, the SBI firmware (OpenSBI) in its first 2 MiB, the
# image at RAM + 2 MiB (where QEMU puts -kernel with -bios default).
PLATFORM_LINK_BASE := 0x80200000
# Drivers built in: the hart-local interrupts and the PLIC (or the AIA: APLIC + IMSIC, when the DTB has no PLIC), the NS16550A console (platform.c names
# it as the early console) and the disk (virtio-mmio).
PLATFORM_DRIVERS := base/drivers/riscv_plic.c base/drivers/riscv_plic_fdt.c base/drivers/riscv_aia.c base/drivers/ns16550.c base/drivers/virtio_blk.c

# The one definition of this board's QEMU machine (scripts/qemu.py reads it with `make
# print-qemu`). `-cpu rv64` has the H extension and Sstc (QEMU 7.2); `-bios default` is the
# OpenSBI that QEMU ships. No device cvisor does not use: `-nic none`.
PLATFORM_QEMU_MACHINE = -M virt -cpu rv64 -nographic -nic none -bios default
PLATFORM_QEMU = qemu-system-riscv64 $(PLATFORM_QEMU_MACHINE)
# The same machine for bare-metal baselines (guests run in S-mode above OpenSBI as well).
PLATFORM_QEMU_BARE = qemu-system-riscv64 $(PLATFORM_QEMU_MACHINE)
