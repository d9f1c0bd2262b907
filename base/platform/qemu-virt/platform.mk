# QEMU virt, aarch64: RAM at 0x4000_0000; the image runs at RAM + 2 MiB (its text_offset).
PLATFORM_LINK_BASE := 0x40200000
PLATFORM_QEMU := qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72
