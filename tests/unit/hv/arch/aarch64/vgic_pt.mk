# The filtered distributor of interrupt_mode = "passthrough" (hv/arch/aarch64/vgic/vgic_passthrough.c), over a
# fake physical GICv2 distributor that records every access the filter forwards.
UNIT_TESTS += test_vgic_pt
test_vgic_pt_SRCS := tests/unit/hv/arch/aarch64/test_vgic_pt.c hv/arch/aarch64/vgic/vgic_passthrough.c lib/src/string.c \
	lib/src/fmt.c

VGIC_PT_ARCH_INC := -Ihv/arch/aarch64/include
$(BUILD)/host/unit/test_vgic_pt: HOST_CFLAGS += $(VGIC_PT_ARCH_INC)
$(BUILD)/host/unit/test_vgic_pt: $(wildcard hv/arch/aarch64/include/arch/*.h hv/arch/aarch64/vgic/vgic_regs.h)
$(BUILD)/host/unit/test_vgic_pt: HV_ARCH_INC := -Ihv/arch/aarch64/include
