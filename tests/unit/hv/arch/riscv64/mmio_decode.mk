# Decoding the load or store behind a riscv64 guest-page fault (hv/arch/riscv64/mmio_decode.c):
# instruction encodings taken from the assembler's output, and htinst's transformed forms.
UNIT_TESTS += test_riscv_mmio_decode
test_riscv_mmio_decode_SRCS := tests/unit/hv/arch/riscv64/test_mmio_decode.c hv/arch/riscv64/mmio_decode.c
$(BUILD)/host/unit/test_riscv_mmio_decode: HOST_CFLAGS := $(filter-out -Ihv/arch/%/include,$(HOST_CFLAGS)) \
	-Ihv/arch/riscv64/include
