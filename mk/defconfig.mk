# `make [ARCH=...] [VAR=value...] defconfig`: writes CONFIG_MK (.config.mk) with the per-arch
# defaults of configs/defconfig/$(ARCH).mk, plus the README variables given on its command line.
# Later runs of make read it first; the command line and the environment still win (`?=`).
DEFCONFIG_VARS := SMP MEM GIC LOG VM_CONFIGS APP_FEATURES PLATFORM BUS BLK NET ACCEL DISK_IMG
DEFCONFIG_GIVEN := $(foreach v,$(DEFCONFIG_VARS),$(if $(filter command line,$(origin $(v))),$(v)))

.PHONY: defconfig
defconfig:
	@test -f configs/defconfig/$(ARCH).mk || { echo "defconfig: no defaults for ARCH=$(ARCH)" >&2; exit 1; }
	@{ echo "# Written by \`make ARCH=$(ARCH) defconfig\`; edit it, or delete it (make distclean)."; \
	   echo "# The command line and the environment override these values."; \
	   $(foreach v,$(DEFCONFIG_GIVEN),echo '$(v) ?= $($(v))';) \
	   grep -v '^#' configs/defconfig/$(ARCH).mk; } > $(CONFIG_MK).tmp
	@mv $(CONFIG_MK).tmp $(CONFIG_MK)
	@echo "wrote $(CONFIG_MK) ($(strip ARCH=$(ARCH) $(foreach v,$(DEFCONFIG_GIVEN),$(v)=$($(v))))): make without variables now uses it"
