# `make check-config VM_CONFIGS=a.toml[:b.toml] [DTB=board.dtb] [DTB_AT=addr]`: checks VM configs
# on the host with the hypervisor's own parsing and validation code (tools/cvisor_check.c), and
# prints every error and warning as the boot would; exit status 1 on errors. The machine is the
# QEMU machine `make run` would start (its DTB dumped by QEMU: SMP, MEM, GIC, BLK/NET) unless
# DTB names a board's; the hypervisor's footprint in RAM comes from the image built with the
# same configs.
# One per hypervisor architecture: it is built with that port's config facts.
CHECK_TOOL := $(BUILD)/host/$(HV_HOST_ARCH)/cvisor-check
CHECK_TOOL_SRCS := tools/cvisor_check.c hv/core/vm_config.c hv/core/vm_config_validate.c hv/core/vm_config_host.c \
  hv/arch/$(HV_HOST_ARCH)/vm_config_arch.c \
  lib/src/toml.c lib/src/diag.c lib/src/fmt.c lib/src/string.c lib/src/fdt.c lib/src/fdt_pt.c lib/src/fdt_irq.c
DTB ?=
DTB_AT ?=
CHECK_MACHINE_DTB := $(IMAGE_DIR)/machine.dtb

$(CHECK_TOOL): $(CHECK_TOOL_SRCS) $(wildcard lib/include/lib/*.h hv/include/hv/*.h hv/arch/$(HV_HOST_ARCH)/include/arch/*.h) | bootstrap
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CHECK_TOOL_SRCS) -o $@

# The machine `make run` starts, as QEMU describes it (rewritten each time: SMP, MEM, GIC...).
.PHONY: $(CHECK_MACHINE_DTB)
$(CHECK_MACHINE_DTB): $(if $(QEMU_WANTS_DISK),$(DISK_IMG)) | bootstrap
	@mkdir -p $(@D)
	@$(QEMU_MACHINE) -machine dumpdtb=$@ >$@.log 2>&1 || { cat $@.log; exit 1; }

.PHONY: check-config
ifeq ($(ARCH),x86_64)
check-config:
	@echo "check-config: reads the machine's device tree, and x86 machines have none: not offered on x86_64 yet" >&2; exit 2
else
check-config: $(CHECK_TOOL) $(IMAGE_DIR)/cvisor.elf $(if $(DTB),,$(CHECK_MACHINE_DTB))
	@test -n '$(VM_CONFIG_LIST)' || { echo "check-config: give the configs: VM_CONFIGS=a.toml:b.toml" >&2; exit 2; }
	@$(CHECK_TOOL) --dtb '$(or $(DTB),$(CHECK_MACHINE_DTB))' --hv-elf $(IMAGE_DIR)/cvisor.elf \
	  --search '$(IMAGE_SEARCH)' $(if $(DTB_AT),--dtb-at $(DTB_AT)) $(VM_CONFIG_LIST)

endif
