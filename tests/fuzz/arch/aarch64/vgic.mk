# Guest-facing vGIC register emulation and state machine (hv/arch/aarch64/vgic/vgic*.c): hostile-guest MMIO,
# injections, list-register flush/sync, SGIs and WFI over the fakes of
# tests/unit/hv/arch/aarch64/vgic_fake_hw.c. aarch64 code: the hv's aarch64 headers as in
# tests/unit/hv/arch/aarch64/vgic.mk. UBSan findings (array bounds inside struct vgic, which ASan
# cannot see) must stop the fuzzer.
FUZZERS += fuzz_vgic
fuzz_vgic_SRCS := tests/fuzz/fuzz_vgic.c tests/unit/hv/arch/aarch64/vgic_fake_hw.c hv/arch/aarch64/vgic/vgic.c hv/arch/aarch64/vgic/vgic_v3.c \
	hv/arch/aarch64/vgic/vgic_v2.c hv/arch/aarch64/vgic/vgic_regs.c lib/src/string.c lib/src/fmt.c

VGIC_FUZZ_INC := -Ihv/arch/aarch64/include -Ihv/arch/aarch64 -Itests/unit/hv/arch/aarch64
$(BUILD)/host/fuzz/fuzz_vgic: HOST_CFLAGS += $(VGIC_FUZZ_INC) -fno-sanitize-recover=undefined
$(BUILD)/host/fuzz/fuzz_vgic: hv/arch/aarch64/vgic/vgic_regs.h hv/arch/aarch64/vgic/vgic_const.h tests/unit/hv/arch/aarch64/vgic_fake_hw.h \
	$(wildcard hv/arch/aarch64/include/arch/*.h)
$(BUILD)/host/fuzz/fuzz_vgic: HV_ARCH_INC := -Ihv/arch/aarch64/include
