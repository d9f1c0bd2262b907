# GICv2 register front-end of the vGIC (hv/core/vgic_v2.c) with its software CPU interface,
# over the generic state machine (hv/core/vgic.c) and the fakes of tests/unit/vgic_fake_hw.c.
UNIT_TESTS += test_vgic_v2
test_vgic_v2_SRCS := tests/unit/test_vgic_v2.c tests/unit/vgic_fake_hw.c hv/core/vgic.c hv/core/vgic_v3.c \
	hv/core/vgic_v2.c hv/core/vgic_regs.c \
	lib/src/string.c lib/src/fmt.c

# Same include order as test_vgic (tests/unit/vgic.mk defines VGIC_ARCH_INC and is included first,
# the *.mk files being included in sorted order; spelled out again so this file stands alone).
VGIC_V2_ARCH_INC := -Itests/unit/hostarch -Ibase/arch/aarch64/include -Ihv/arch/aarch64/include
$(BUILD)/host/unit/test_vgic_v2: HOST_CFLAGS += $(VGIC_V2_ARCH_INC)
$(BUILD)/host/unit/test_vgic_v2: $(wildcard tests/unit/hostarch/arch/*.h base/arch/aarch64/include/arch/*.h \
	hv/arch/aarch64/include/arch/*.h)
