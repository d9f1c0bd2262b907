# The stage-2 data abort decoder (hv/arch/aarch64/include/arch/dabt.h), shared by the exit
# vector's fast path and the full exit path.
UNIT_TESTS += test_dabt
test_dabt_SRCS := tests/unit/hv/arch/aarch64/test_dabt.c
$(BUILD)/host/unit/test_dabt: hv/arch/aarch64/include/arch/dabt.h
$(BUILD)/host/unit/test_dabt: HV_ARCH_INC := -Ihv/arch/aarch64/include
