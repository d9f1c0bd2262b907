# In-tree bare-metal test guests, linked at GUEST_BASE (their configs load them there).
GUESTS := hello smp memprobe ticker bench bench-gicv2 hostile echo gicv2
GUEST_BASE := 0x40080000
GUEST_CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-stack-protector -fno-pic -O2 -g -Wall -Wextra -Werror \
  -mgeneral-regs-only -mstrict-align -march=armv8-a -Iguests/rt -Ilib/include -Ihv/include -DCVISOR_GUEST
GUEST_RT := guests/rt/aarch64/start.S guests/rt/rt.c lib/src/fmt.c lib/src/string.c

$(GUEST_OUT)/%.elf: guests/%/main.c $(GUEST_RT) guests/rt/guest.h guests/rt/aarch64/link.ld | bootstrap
	@mkdir -p $(@D)
	@echo "  GUEST $*"
	@$(TARGET_CC) $(GUEST_CFLAGS) -fuse-ld=lld -static -Wl,--defsym=GUEST_BASE=$(GUEST_BASE) \
	  -Wl,-T,guests/rt/aarch64/link.ld $< $(GUEST_RT) -o $@

# Build variants: another guest from an existing guest's source, with extra flags.
# bench-gicv2: the benchmark guest driving a GICv2 through GICD/GICC MMIO (docs/bench.md).
$(GUEST_OUT)/bench-gicv2.elf: guests/bench/main.c $(GUEST_RT) guests/rt/guest.h guests/rt/aarch64/link.ld | bootstrap
	@mkdir -p $(@D)
	@echo "  GUEST bench-gicv2"
	@$(TARGET_CC) $(GUEST_CFLAGS) -DBENCH_GICV2 -fuse-ld=lld -static -Wl,--defsym=GUEST_BASE=$(GUEST_BASE) \
	  -Wl,-T,guests/rt/aarch64/link.ld $< $(GUEST_RT) -o $@

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
