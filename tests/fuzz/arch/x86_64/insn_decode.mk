# The x86 MMIO instruction decoder (hv/arch/x86_64/insn_decode.c) over guest-controlled bytes.
FUZZERS += fuzz_insn_decode
fuzz_insn_decode_SRCS := tests/fuzz/fuzz_insn_decode.c hv/arch/x86_64/insn_decode.c lib/src/string.c
$(BUILD)/host/fuzz/fuzz_insn_decode: HV_ARCH_INC := -Ihv/arch/x86_64/include
