# GICv2 register front-end of the vGIC (hv/arch/aarch64/vgic/vgic_v2.c) with its software CPU interface, over
# the generic state machine (hv/arch/aarch64/vgic/vgic.c) and the fakes of tests/unit/hv/arch/aarch64/vgic_fake_hw.c.
UNIT_TESTS += test_vgic_v2
test_vgic_v2_SRCS := tests/unit/hv/arch/aarch64/test_vgic_v2.c tests/unit/hv/arch/aarch64/vgic_fake_hw.c \
	hv/arch/aarch64/vgic/vgic.c hv/arch/aarch64/vgic/vgic_v3.c hv/arch/aarch64/vgic/vgic_v2.c hv/arch/aarch64/vgic/vgic_regs.c \
	lib/src/string.c lib/src/fmt.c

# The same headers as test_vgic (vgic.mk); spelled out so this file stands alone.
$(BUILD)/host/unit/test_vgic_v2: HOST_CFLAGS += -Ihv/arch/aarch64/include
$(BUILD)/host/unit/test_vgic_v2: $(wildcard hv/arch/aarch64/include/arch/*.h hv/arch/aarch64/vgic/vgic_regs.h \
	tests/unit/hv/arch/aarch64/*.h)
$(BUILD)/host/unit/test_vgic_v2: HV_ARCH_INC := -Ihv/arch/aarch64/include
