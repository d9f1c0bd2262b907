# QEMU q35 (x86_64): SeaBIOS builds the ACPI tables, QEMU's multiboot loader takes the image
# (base/arch/x86_64/boot.S: a multiboot header with its load addresses) at 2 MiB.
PLATFORM_LINK_BASE := 0x200000
# Drivers built in: the local and I/O APICs (and the 8259 pair, masked), the PC serial port as the
# console (platform.c names COM1), PCI over ECAM and the disk (virtio-blk over virtio-pci).
PLATFORM_DRIVERS := base/drivers/apic.c base/drivers/apic_fdt.c base/drivers/lapic.c base/drivers/ioapic.c base/drivers/pic8259.c \
  base/drivers/ns16550_pio.c base/drivers/pci.c base/drivers/virtio_pci.c base/drivers/virtio_pci_caps.c base/drivers/virtio_blk.c

# The one definition of this board's QEMU machine (scripts/qemu.py reads it with `make
# print-qemu`). `-cpu EPYC`: AMD, with SVM and nested paging under TCG (REFERENCE.md). No device
# cvisor does not use: `-nic none` (no network card, whose option ROM a fresh machine lacks). The
# isa-debug-exit port gives a failed run (a panic) QEMU exit status 1 (exit_failure.c).
PLATFORM_QEMU_MACHINE = -M q35 -cpu EPYC -nographic -nic none -device isa-debug-exit,iobase=0xf4,iosize=4
PLATFORM_QEMU = qemu-system-x86_64 $(PLATFORM_QEMU_MACHINE)
PLATFORM_QEMU_BARE = qemu-system-x86_64 $(PLATFORM_QEMU_MACHINE)

# The disk the make variables add (mk/target.mk: APP_FEATURES=fs, BLK=y): q35 has no virtio-mmio,
# so it is always a virtio-blk-pci function (BUS does not apply), with no option ROM.
PLATFORM_QEMU_BLK = -drive if=none$(comma)file=$(1)$(comma)format=raw$(comma)id=blk0 \
  -device virtio-blk-pci$(comma)romfile=$(comma)drive=blk0
