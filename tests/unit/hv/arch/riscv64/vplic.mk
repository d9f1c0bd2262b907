# The riscv64 virtual PLIC's state and register decoding (hv/arch/riscv64/vplic.c): priorities,
# pending, per-context enables and thresholds, claim/complete, and a hostile guest's accesses.
UNIT_TESTS += test_vplic
test_vplic_SRCS := tests/unit/hv/arch/riscv64/test_vplic.c hv/arch/riscv64/vplic.c lib/src/string.c
$(BUILD)/host/unit/test_vplic: HOST_CFLAGS := $(filter-out -Ihv/arch/%/include,$(HOST_CFLAGS)) \
	-Ihv/arch/riscv64/include
