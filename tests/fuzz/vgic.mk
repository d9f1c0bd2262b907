# Guest-facing vGIC register emulation and state machine (hv/core/vgic*.c): hostile-guest MMIO,
# injections, list-register flush/sync, SGIs and WFI over the fakes of tests/unit/vgic_fake_hw.c.
FUZZERS += fuzz_vgic
fuzz_vgic_SRCS := tests/fuzz/fuzz_vgic.c tests/unit/vgic_fake_hw.c hv/core/vgic.c hv/core/vgic_v3.c \
	hv/core/vgic_v2.c hv/core/vgic_regs.c lib/src/string.c lib/src/fmt.c

# Same include order as tests/unit/vgic.mk (host replacement of <arch/cpu.h> first). UBSan
# findings (array bounds inside struct vgic, which ASan cannot see) must stop the fuzzer.
VGIC_FUZZ_INC := -Itests/unit/hostarch -Ibase/arch/aarch64/include -Ihv/arch/aarch64/include
$(BUILD)/host/fuzz/fuzz_vgic: HOST_CFLAGS += $(VGIC_FUZZ_INC) -fno-sanitize-recover=undefined
$(BUILD)/host/fuzz/fuzz_vgic: hv/core/vgic_regs.h tests/unit/vgic_fake_hw.h \
	$(wildcard tests/unit/hostarch/arch/*.h base/arch/aarch64/include/arch/*.h hv/arch/aarch64/include/arch/*.h)
