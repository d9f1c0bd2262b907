# The x86 MMIO instruction decoder (hv/arch/x86_64/insn_decode.c): pure logic, x86's hv headers.
UNIT_TESTS += test_insn_decode
test_insn_decode_SRCS := tests/unit/hv/arch/x86_64/test_insn_decode.c hv/arch/x86_64/insn_decode.c lib/src/string.c
$(BUILD)/host/unit/test_insn_decode: HV_ARCH_INC := -Ihv/arch/x86_64/include
