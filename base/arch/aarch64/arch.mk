ARCH_TRIPLE := aarch64-none-elf
ARCH_DEFAULT_PLATFORM := qemu-aarch64-virt
# No FP/SIMD in hypervisor code (guest FP state stays untouched); no unaligned accesses (code
# runs before the MMU makes RAM normal memory).
ARCH_CFLAGS := -mgeneral-regs-only -mstrict-align -mno-outline-atomics -march=armv8-a
