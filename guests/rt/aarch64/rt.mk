# aarch64 part of the test guests' build (guests/guests.mk): flags, the load address of QEMU
# virt's RAM + 512 KiB (the configs load them there), the runtime's files, and the guests that
# exist only on aarch64 (they drive a GIC themselves).
GUEST_BASE := 0x40080000
GUEST_ARCH_CFLAGS := -mgeneral-regs-only -mstrict-align -march=armv8-a
GUEST_ARCH_RT := guests/rt/aarch64/start.S guests/rt/aarch64/rt_arch.c
GUESTS_ARCH := gicv2 bench-gicv2 levels shmem
