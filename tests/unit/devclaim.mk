# Device range ownership (base/core/devclaim.c).
UNIT_TESTS += test_devclaim
test_devclaim_SRCS := tests/unit/test_devclaim.c base/core/devclaim.c lib/src/string.c
DEVCLAIM_ARCH_INC := -Itests/unit/hostarch -Ibase/arch/aarch64/include
$(BUILD)/host/unit/test_devclaim: HOST_CFLAGS += $(DEVCLAIM_ARCH_INC)
