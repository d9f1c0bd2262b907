# The aarch64 stage-2 data abort decoder (hv/arch/aarch64/include/arch/dabt.h): guest-controlled
# syndrome, addresses and loaded values; the exit vector's fast path decodes with it.
FUZZERS += fuzz_dabt
fuzz_dabt_SRCS := tests/fuzz/fuzz_dabt.c lib/src/string.c
$(BUILD)/host/fuzz/fuzz_dabt: hv/arch/aarch64/include/arch/dabt.h
$(BUILD)/host/fuzz/fuzz_dabt: HV_ARCH_INC := -Ihv/arch/aarch64/include
