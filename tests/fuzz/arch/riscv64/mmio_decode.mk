# The riscv64 MMIO instruction decoder (hv/arch/riscv64/mmio_decode.c): fed guest-controlled bits
# (the instruction at a faulting pc, htinst), it must never fail and its answers must be sane.
FUZZERS += fuzz_riscv_mmio
fuzz_riscv_mmio_SRCS := tests/fuzz/fuzz_riscv_mmio.c hv/arch/riscv64/mmio_decode.c lib/src/string.c
# riscv64's headers, not those of the generic tests' arch (HV_HOST_ARCH).
$(BUILD)/host/fuzz/fuzz_riscv_mmio: HOST_CFLAGS := $(filter-out -Ihv/arch/%/include,$(HOST_CFLAGS)) \
	-Ihv/arch/riscv64/include
