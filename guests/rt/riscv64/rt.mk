# riscv64 part of the test guests' build (guests/guests.mk): flags (as the hypervisor's: RV64IMAC,
# medany, no relaxation or small data), the load address of QEMU virt's RAM + 2 MiB (where a
# kernel sits above OpenSBI on the bare board; the configs load them there), the runtime's files
# (with the FDT reader: the guests check the device tree cvisor generates).
GUEST_BASE := 0x80200000
GUEST_ARCH_CFLAGS := -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax -msmall-data-limit=0 -Ihv/arch/riscv64/include
GUEST_ARCH_RT := guests/rt/riscv64/start.S guests/rt/riscv64/rt_arch.c lib/src/fdt.c
GUESTS_ARCH := sbiprobe rtcirq rtcimsic shmem plicfilter
# Not yet: hostile drives Arm hardware (a GIC, a PL011); bench has its own riscv64 code
# (guests/bench/main-riscv64.c).
GUESTS_NOT_PORTED := hostile
# plicfilter stands in for NimbOS in the original's riscv64 NimbOS config: linked at its address.
$(GUEST_OUT)/plicfilter.elf: GUEST_BASE := 0x90200000
