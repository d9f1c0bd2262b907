# Virtual GIC state machine (hv/arch/aarch64/vgic/vgic.c) and its GICv3 register front-end (hv/arch/aarch64/vgic/vgic_v3.c),
# over a fake list-register file and fake scheduler (tests/unit/hv/arch/aarch64/vgic_fake_hw.c).
# aarch64 code: the hv's aarch64 headers (list registers, vCPU and VM state) are used as they are;
# the base's arch headers are the host shim of tests/unit/hostarch (mk/host.mk).
UNIT_TESTS += test_vgic
test_vgic_SRCS := tests/unit/hv/arch/aarch64/test_vgic.c tests/unit/hv/arch/aarch64/vgic_fake_hw.c \
	hv/arch/aarch64/vgic/vgic.c hv/arch/aarch64/vgic/vgic_v3.c hv/arch/aarch64/vgic/vgic_v2.c hv/arch/aarch64/vgic/vgic_regs.c \
	lib/src/string.c lib/src/fmt.c

# HOST_OUT is defined after this file is included, so spell the directory out.
VGIC_ARCH_INC := -Ihv/arch/aarch64/include -Ihv/arch/aarch64
$(BUILD)/host/unit/test_vgic: HOST_CFLAGS += $(VGIC_ARCH_INC)
$(BUILD)/host/unit/test_vgic: $(wildcard hv/arch/aarch64/include/arch/*.h hv/arch/aarch64/vgic/vgic_regs.h hv/arch/aarch64/vgic/vgic_const.h \
	tests/unit/hv/arch/aarch64/*.h)
$(BUILD)/host/unit/test_vgic: HV_ARCH_INC := -Ihv/arch/aarch64/include
