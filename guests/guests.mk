# In-tree bare-metal test guests, linked at GUEST_BASE (their configs load them there). The
# runtime is generic (guests/rt/rt.c, guest.h) over each architecture's part in guests/rt/$(ARCH)/
# (entry code, hypercall and firmware calls, counter, UART; rt.mk: flags, load address, extra guests).
-include guests/rt/$(ARCH)/rt.mk
# GUESTS_NOT_PORTED (rt.mk): the generic guests an architecture cannot build yet.
GUESTS := $(filter-out $(GUESTS_NOT_PORTED),hello smp memprobe ticker bench hostile echo vhostile) $(GUESTS_ARCH)
GUEST_CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-stack-protector -fno-pic -O2 -g -Wall -Wextra -Werror \
  $(GUEST_ARCH_CFLAGS) -Iguests/rt -Iguests/rt/$(ARCH) -Ilib/include -Ihv/include -Ibase/include -DCVISOR_GUEST
GUEST_RT := $(GUEST_ARCH_RT) guests/rt/rt.c lib/src/fmt.c lib/src/string.c
# A guest's architecture-specific part, if any: guests/<guest>/<arch>.c beside its main.c.
GUEST_RT_DEPS := $(GUEST_RT) guests/rt/guest.h $(wildcard guests/rt/$(ARCH)/*.h) guests/rt/$(ARCH)/link.ld \
  $(wildcard guests/*/$(ARCH).c)
GUEST_LDFLAGS = -fuse-ld=lld -static -Wl,--defsym=GUEST_BASE=$(GUEST_BASE) -Wl,-T,guests/rt/$(ARCH)/link.ld

# A guest whose code is all architecture-specific has guests/<guest>/main-<arch>.c instead of
# main.c there (bench: its loops and interrupt paths are each architecture's own).
.SECONDEXPANSION:
# A guest's sources shared by its forms (bench: report.c, the output of every architecture's).
GUEST_SHARED_SRCS_bench := guests/bench/report.c
$(GUEST_OUT)/%.elf: $$(or $$(wildcard guests/$$*/main-$(ARCH).c),guests/$$*/main.c) $$(GUEST_SHARED_SRCS_$$*) \
	$$(wildcard guests/$$*/*.h) $(GUEST_RT_DEPS) | bootstrap
	@mkdir -p $(@D)
	@echo "  GUEST $*"
	@$(TARGET_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) $< $(if $(findstring main-$(ARCH),$<),,$(wildcard guests/$*/$(ARCH).c)) \
	  $(GUEST_SHARED_SRCS_$*) $(GUEST_RT) -o $@

# Build variants: another guest from an existing guest's source, with extra flags.
# bench-gicv2: the benchmark guest driving a GICv2 through GICD/GICC MMIO (docs/bench.md).
$(GUEST_OUT)/bench-gicv2.elf: guests/bench/main.c $(GUEST_SHARED_SRCS_bench) guests/bench/report.h $(GUEST_RT_DEPS) | bootstrap
	@mkdir -p $(@D)
	@echo "  GUEST bench-gicv2"
	@$(TARGET_CC) $(GUEST_CFLAGS) -DBENCH_GICV2 $(GUEST_LDFLAGS) $< $(GUEST_SHARED_SRCS_bench) $(GUEST_RT) -o $@

# tickerloop: the ticker that never ends (a test guest beside Linux, tests/system/test_x86_64_linux.py).
$(GUEST_OUT)/tickerloop.elf: guests/ticker/main.c $(GUEST_RT_DEPS) | bootstrap
	@mkdir -p $(@D)
	@echo "  GUEST tickerloop"
	@$(TARGET_CC) $(GUEST_CFLAGS) -DTICKER_TICKS=0 $(GUEST_LDFLAGS) $< $(GUEST_RT) -o $@

# faultstack: triple with a gate for #UD but its stack on a page where the VM has no memory (x86_64).
$(GUEST_OUT)/faultstack.elf: guests/triple/main.c $(GUEST_RT_DEPS) | bootstrap
	@mkdir -p $(@D)
	@echo "  GUEST faultstack"
	@$(TARGET_CC) $(GUEST_CFLAGS) -DTRIPLE_FRAME_ON_DEVICE $(GUEST_LDFLAGS) $< $(GUEST_RT) -o $@

$(GUEST_OUT)/%.bin: $(GUEST_OUT)/%.elf
	@llvm-objcopy -O binary $< $@

.PHONY: guests
guests: $(addprefix $(GUEST_OUT)/,$(addsuffix .bin,$(GUESTS)))
.SECONDARY:

# Device trees for the dtb_path tests, compiled from source.
GUEST_DTBS := $(patsubst guests/dtb/%.dts,$(GUEST_OUT)/%.dtb,$(wildcard guests/dtb/*.dts))
$(GUEST_OUT)/%.dtb: guests/dtb/%.dts | bootstrap
	@mkdir -p $(@D)
	@echo "  DTC $<"
	@dtc -q -I dts -O dtb -o $@ $<
guests: $(GUEST_DTBS)
