# QEMU virt, aarch64: RAM at 0x4000_0000; the image runs at RAM + 2 MiB (its text_offset).
PLATFORM_LINK_BASE := 0x40200000
# Drivers built in: the interrupt controller (the GIC: v2 or v3, whichever the DTB describes),
# the console (PL011; platform.c names it as the early console) and the disk (virtio-mmio).
PLATFORM_DRIVERS := base/drivers/gic.c base/drivers/gic_fdt.c base/drivers/gicv2.c base/drivers/gicv3.c \
  base/drivers/pl011.c base/drivers/virtio_blk.c

# The one definition of this board's QEMU machine: `make run`, the system tests, `make bench`
# and the DTB fixtures all take it from here (scripts/qemu.py reads it with `make print-qemu`).
# It asks for no device cvisor does not use: `-nic none` drops the default network card (whose
# option ROM a fresh machine does not have). GIC=2 gives the host a GICv2 with virtualization
# extensions (GICH, GICV), as on a GIC-400 board.
PLATFORM_QEMU_MACHINE = -M virt,gic-version=$(GIC) -cpu cortex-a72 -nographic -nic none
# pvpanic-pci is how cvisor powers off with a failure status (no VM could be started, a panic):
# QEMU then exits 1 instead of 0 (exit_failure.c).
PLATFORM_QEMU = qemu-system-aarch64 $(PLATFORM_QEMU_MACHINE) -machine virtualization=on \
  -device pvpanic-pci -action panic=exit-failure $(if $(filter y,$(ACCEL)),-accel kvm -cpu host)
# The same machine with the CPUs starting at EL1, for bare-metal baselines (make bench).
PLATFORM_QEMU_BARE = qemu-system-aarch64 $(PLATFORM_QEMU_MACHINE)

# Devices the make variables add (mk/target.mk): virtio on virtio-mmio transports or PCI (BUS).
# PCI functions get no option ROM (a fresh machine has none: the NIC's efi-virtio.rom).
PLATFORM_VIRTIO = $(if $(filter pci,$(BUS)),virtio-$(1)-pci$(comma)romfile=,virtio-$(1)-device)
PLATFORM_QEMU_BLK = -drive if=none$(comma)file=$(1)$(comma)format=raw$(comma)id=blk0 \
  -device $(call PLATFORM_VIRTIO,blk)$(comma)drive=blk0
PLATFORM_QEMU_NET = -netdev user$(comma)id=net0 -device $(call PLATFORM_VIRTIO,net)$(comma)netdev=net0
