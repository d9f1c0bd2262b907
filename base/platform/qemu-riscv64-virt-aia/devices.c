/* The same as qemu-riscv64-virt's (this board is that machine with the AIA). */
#include "../qemu-riscv64-virt/devices.c"
