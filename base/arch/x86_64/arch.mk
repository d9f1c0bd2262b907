ARCH_TRIPLE := x86_64-unknown-none-elf
ARCH_DEFAULT_PLATFORM := qemu-x86_64-q35
# Freestanding long mode: no red zone (interrupts and exceptions use the same stack), no SSE/x87
# in hypervisor code (guest FP state stays untouched), no unwind tables. The image is linked low
# (the small code model: everything below 2 GiB) and runs identity mapped.
ARCH_CFLAGS := -mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-asynchronous-unwind-tables
