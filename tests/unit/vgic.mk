# Virtual GIC state machine (hv/core/vgic.c) and its GICv3 register front-end (hv/core/vgic_v3.c),
# over a fake list-register file and fake scheduler (tests/unit/vgic_fake_hw.c).
UNIT_TESTS += test_vgic
test_vgic_SRCS := tests/unit/test_vgic.c tests/unit/vgic_fake_hw.c hv/core/vgic.c hv/core/vgic_v3.c \
	hv/core/vgic_v2.c hv/core/vgic_regs.c \
	lib/src/string.c lib/src/fmt.c

# The generic code includes <arch/...> headers: the aarch64 ones are used where they compile on
# the host; tests/unit/hostarch holds minimal host replacements and must come first.
# HOST_OUT is defined after this file is included, so spell the directory out.
VGIC_ARCH_INC := -Itests/unit/hostarch -Ibase/arch/aarch64/include -Ihv/arch/aarch64/include
$(BUILD)/host/unit/test_vgic: HOST_CFLAGS += $(VGIC_ARCH_INC)
$(BUILD)/host/unit/test_vgic: $(wildcard tests/unit/hostarch/arch/*.h base/arch/aarch64/include/arch/*.h \
	hv/arch/aarch64/include/arch/*.h)
