ARCH_TRIPLE := riscv64-unknown-elf
ARCH_DEFAULT_PLATFORM := qemu-riscv64-virt
# RV64IMAC, no FP in hypervisor code (guest FP state stays untouched); medany: the image runs at
# any address (RAM is above 2 GiB); no linker relaxation (ld.lld does not implement it) and no
# small-data sections (no gp-relative addressing: gp is not set up).
ARCH_CFLAGS := -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax -msmall-data-limit=0
# Test builds only: RISCV_HSM_START_AT_IMAGE_ENTRY=1 starts the secondary harts at the image entry
# (_head), where OpenSBI v1.1's hart_start race sends them (boot.S); a system test checks the boot
# survives it.
ifeq ($(RISCV_HSM_START_AT_IMAGE_ENTRY),1)
ARCH_CFLAGS += -DRISCV_HSM_START_AT_IMAGE_ENTRY
endif
