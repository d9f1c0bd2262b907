# QEMU virt, aarch64: RAM at 0x4000_0000; the image runs at RAM + 2 MiB (its text_offset).
PLATFORM_LINK_BASE := 0x40200000
# GIC=2 gives the host a GICv2 with virtualization extensions (GICH, GICV), as on a GIC-400 board.
PLATFORM_QEMU := qemu-system-aarch64 -M virt,virtualization=on,gic-version=$(GIC) -cpu cortex-a72
