# Cross build of the hypervisor image: base + lib + app for $(ARCH)/$(PLATFORM).
# APP=hv (default) builds the hypervisor; APP=base-demo builds the base alone.

APP ?= hv
# ARCH and PLATFORM each name a directory: base/arch/$(ARCH)/arch.mk (toolchain and arch flags,
# the default board) and base/platform/$(PLATFORM)/platform.mk (drivers, link base, QEMU machine).
ifeq ($(wildcard base/arch/$(ARCH)/arch.mk),)
$(error ARCH=$(ARCH) is not ported: no base/arch/$(ARCH)/arch.mk (ported: $(notdir $(wildcard base/arch/*))))
endif
include base/arch/$(ARCH)/arch.mk
PLATFORM ?= $(ARCH_DEFAULT_PLATFORM)
ifeq ($(wildcard base/platform/$(PLATFORM)/platform.mk),)
$(error PLATFORM=$(PLATFORM): no base/platform/$(PLATFORM)/platform.mk (boards: $(notdir $(wildcard base/platform/*))))
endif
include base/platform/$(PLATFORM)/platform.mk

LOG_LEVEL_MACRO := LOG_$(shell echo $(LOG) | tr a-z A-Z)
OUT := $(BUILD)/$(ARCH)/$(APP)/$(LOG)
# Where the linked image (and its embedded configs) goes; system tests build several images
# over the same objects by giving each its own IMAGE_DIR.
# A board other than the arch's default gets its own image directory (the objects are the same;
# the link is not).
IMAGE_DIR ?= $(OUT)$(if $(APP_FEATURES),-$(subst $() ,-,$(strip $(APP_FEATURES))))$(if $(filter-out $(ARCH_DEFAULT_PLATFORM),$(PLATFORM)),-$(PLATFORM))

TARGET_CC := clang --target=$(ARCH_TRIPLE)
TARGET_CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-stack-protector -fno-pic -fno-common -ffunction-sections -fdata-sections \
  -O2 -g -Wall -Wextra -Werror $(ARCH_CFLAGS) -DLOG_DEFAULT_LEVEL=$(LOG_LEVEL_MACRO) \
  -Ilib/include -Ibase/include -Ibase/arch/$(ARCH)/include -Ihv/include -Ihv/arch/$(ARCH)/include \
  -MMD -MP
TARGET_LDFLAGS := -nostdlib -static -fuse-ld=lld -Wl,--defsym=LINK_BASE=$(PLATFORM_LINK_BASE) \
  -Wl,-T,base/arch/$(ARCH)/link.ld -Wl,--gc-sections -Wl,--icf=safe -Wl,-z,max-page-size=4096

BASE_SRCS := $(wildcard base/core/*.c) $(wildcard base/arch/$(ARCH)/*.c base/arch/$(ARCH)/*.S) \
  $(PLATFORM_DRIVERS) $(wildcard base/platform/$(PLATFORM)/*.c) $(wildcard lib/src/*.c)
include $(if $(filter hv,$(APP)),hv/app.mk,apps/$(APP)/app.mk)

TARGET_SRCS := $(BASE_SRCS) $(APP_SRCS)
TARGET_OBJS := $(patsubst %,$(OUT)/obj/%.o,$(TARGET_SRCS)) $(APP_GEN_OBJS)

# Code that runs once per boot or per VM (config parsing and validation, device-tree and ACPI
# readers, VM creation, the shell, logging, the fatal-trap report) is built for minimum size
# (-Oz: clang's minsize, which on aarch64 also outlines repeated instruction sequences into
# shared functions): it is never on a guest's exit path, and takes ~20 KiB off the image
# (docs/bench.md, Footprint). (Not the FAT reader: -Os made loading a kernel from the disk 14 %
# slower; nor riscv64 and x86_64 trap.c, which dispatch interrupts.) Functions that run once in
# files otherwise on an exit path are BUILT_FOR_SIZE.
COLD_SRCS := lib/src/toml.c lib/src/fdt.c lib/src/fdt_irq.c lib/src/fdt_pt.c lib/src/acpi.c \
  lib/src/fmt.c lib/src/diag.c hv/core/vm_config.c hv/core/vm_config_validate.c hv/core/vm_config_host.c \
  hv/core/vm_fdt.c hv/core/vm_fdt_node.c hv/core/shell.c hv/core/vm_seed.c lib/src/boot_seed.c lib/src/chacha.c \
  hv/core/main.c hv/core/vm_lifecycle.c hv/core/vm_devices.c hv/core/vm_passthrough.c hv/core/shmem_table.c \
  lib/src/range_carve.c hv/core/ivc.c lib/src/fdt_write.c hv/core/vm.c hv/core/image.c hv/core/virtio_dev.c lib/src/mbr.c \
  hv/arch/$(ARCH)/vm_fdt_arch.c hv/arch/$(ARCH)/vm_config_arch.c base/core/machine.c base/core/heap.c \
  base/core/console_select.c base/core/log.c base/arch/aarch64/trap.c base/core/machine_fdt.c base/core/smp.c \
  base/core/devclaim.c base/core/main.c base/core/panic.c base/core/blockdev.c base/drivers/gic_fdt.c \
  base/platform/$(PLATFORM)/exit_failure.c
COLD_CFLAGS := -Oz
$(patsubst %,$(OUT)/obj/%.o,$(filter $(COLD_SRCS),$(TARGET_SRCS))): private SIZE_CFLAGS := $(COLD_CFLAGS)

$(OUT)/obj/%.c.o: %.c | bootstrap
	@mkdir -p $(@D)
	@echo "  CC  $<"
	@$(TARGET_CC) $(TARGET_CFLAGS) $(SIZE_CFLAGS) -c $< -o $@

$(OUT)/obj/%.S.o: %.S | bootstrap
	@mkdir -p $(@D)
	@echo "  CC  $<"
	@$(TARGET_CC) $(TARGET_CFLAGS) -c $< -o $@

# Flags changes (LOG=...) must rebuild: record them.
$(OUT)/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(TARGET_CFLAGS) $(COLD_CFLAGS): $(COLD_SRCS)' | cmp -s - $@ || echo '$(TARGET_CFLAGS) $(COLD_CFLAGS): $(COLD_SRCS)' > $@
$(TARGET_OBJS): $(OUT)/flags

$(IMAGE_DIR)/cvisor.elf: $(TARGET_OBJS) base/arch/$(ARCH)/link.ld
	@echo "  LD  $@"
	@mkdir -p $(@D)
	@$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) $(TARGET_OBJS) -o $@

$(IMAGE_DIR)/cvisor.bin: $(IMAGE_DIR)/cvisor.elf
	@llvm-objcopy -O binary $< $@

HV_IMAGE := $(IMAGE_DIR)/cvisor.bin

.PHONY: build FORCE
build: $(HV_IMAGE)
	@echo "built $(HV_IMAGE) ($(ARCH), $(PLATFORM), app $(APP))"
FORCE:

-include $(TARGET_OBJS:.o=.d)

# ---- running under QEMU ----
QEMU_EXTRA ?=
# Devices the make variables add to the host machine (README): the disk (DISK_IMG) for
# APP_FEATURES=fs (the hypervisor reads it) or BLK=y (left for a VM to be given by passthrough),
# and with NET=y a network card, on virtio-mmio or PCI (BUS). The platform names them.
QEMU_WANTS_DISK := $(or $(filter fs,$(APP_FEATURES)),$(filter y,$(BLK)))
QEMU_DEVICES = $(if $(QEMU_WANTS_DISK),$(call PLATFORM_QEMU_BLK,$(DISK_IMG))) $(if $(filter y,$(NET)),$(PLATFORM_QEMU_NET))
QEMU_MACHINE = $(PLATFORM_QEMU) -smp $(SMP) -m $(MEM) $(strip $(QEMU_DEVICES))
QEMU_CMD = $(PLATFORM_QEMU) -smp $(SMP) -m $(MEM) -kernel $(HV_IMAGE) $(strip $(QEMU_DEVICES)) $(QEMU_EXTRA)

# ACCEL=y: KVM, where it can run a hypervisor; else say why not, before anything is built.
ifeq ($(ACCEL)$(filter print-qemu-bare clean distclean bootstrap,$(MAKECMDGOALS)),y)
ifneq ($(shell sh scripts/accel-check.sh $(ARCH) $(PLATFORM_QEMU) >&2; echo $$?),0)
$(error ACCEL=y cannot be used on this machine (see above))
endif
endif

# The platform's QEMU machine, for scripts/qemu.py (system tests, bench, fixtures).
.PHONY: print-qemu print-qemu-bare print-run
print-qemu:
	@echo '$(PLATFORM_QEMU)'
print-qemu-bare:
	@echo '$(PLATFORM_QEMU_BARE)'
# The exact command `make run` runs (nothing is built).
print-run:
	@echo '$(QEMU_CMD)'

.PHONY: run
# guest-images first (the hypervisor: its default VM is Debian's Linux, fetched into CACHE_DIR;
# an architecture with no Linux config yet has no guest images to fetch either).
# A failure that cvisor reports (no VM could be started, a panic) makes QEMU, and so `make run`,
# exit non-zero.
run: $(if $(filter hv,$(APP)),$(if $(wildcard configs/vms/linux-$(ARCH).toml),guest-images)) \
  $(if $(QEMU_WANTS_DISK),$(DISK_IMG))
	@$(MAKE) --no-print-directory build
	$(QEMU_CMD) || { s=$$?; echo "make run: QEMU exited with status $$s: cvisor reported a failure (see above)"; exit $$s; }
