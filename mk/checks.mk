# Checks of the make variables (README's table), done while make reads the Makefile: a wrong
# value stops make with one clear line before anything is installed, fetched or built.
# Synonyms are mapped to their canonical value here (ARCH=arm64 -> aarch64, GIC=v3 -> 3).

# An architecture is ported (for the base at least) when it has its directory; hv/app.mk says
# clearly when the hypervisor itself is not ported to it yet.
PORTED_ARCHS := $(notdir $(wildcard base/arch/*))
KNOWN_ARCHS := aarch64 riscv64 x86_64
KNOWN_LOGS := error warn info debug trace
KNOWN_APP_FEATURES := fs
comma := ,

# Goals that need no valid configuration.
CHECKS_SKIP_GOALS := clean distclean bootstrap
ifneq ($(filter-out $(CHECKS_SKIP_GOALS),$(or $(MAKECMDGOALS),build)),)

# $(call check_one_of,VAR,allowed values,what the message says VAR must be)
check_one_of = $(if $(and $(filter 1,$(words $($(1)))),$(filter $($(1)),$(2))),,$(error $(1)='$($(1))': $(1) must be $(3)))

override ARCH := $(patsubst arm64,aarch64,$(strip $(ARCH)))
$(call check_one_of,ARCH,$(KNOWN_ARCHS),one of aarch64$(comma) riscv64$(comma) x86_64)
ifeq ($(filter $(ARCH),$(PORTED_ARCHS)),)
$(error ARCH=$(ARCH) is not ported yet: cvisor builds for $(PORTED_ARCHS) today)
endif
# The base may be ported before the hypervisor: goals that build or run the hypervisor image stop
# here, before bootstrap, downloads or the compiler (print-* and APP=base-demo still work).
HV_IMAGE_GOALS := build run debug disk_img
ifeq ($(or $(APP),hv)$(wildcard hv/arch/$(ARCH)),hv)
ifneq ($(filter $(HV_IMAGE_GOALS),$(or $(MAKECMDGOALS),build)),)
$(error the hypervisor is not ported to ARCH=$(ARCH) yet (no hv/arch/$(ARCH)); APP=base-demo builds the base alone)
endif
endif

GIC_CANONICAL := $(patsubst v%,%,$(patsubst gicv%,%,$(strip $(GIC))))
$(if $(filter 2 3,$(GIC_CANONICAL)),,$(error GIC='$(GIC)': GIC must be 2 (GICv2) or 3 (GICv3)))
override GIC := $(GIC_CANONICAL)

override LOG := $(strip $(LOG))
$(call check_one_of,LOG,$(KNOWN_LOGS),one of error$(comma) warn$(comma) info$(comma) debug$(comma) trace)

$(foreach f,$(APP_FEATURES),$(if $(filter $(f),$(KNOWN_APP_FEATURES)),,$(error APP_FEATURES: unknown feature $(f) (known: $(KNOWN_APP_FEATURES)))))

ifneq ($(shell echo '$(SMP)' | grep -Ex '[1-9][0-9]{0,2}'),$(strip $(SMP)))
$(error SMP='$(SMP)': SMP must be a number of CPUs, from 1)
endif
ifeq ($(GIC)$(shell test '$(SMP)' -gt 8 && echo big),2big)
$(error SMP=$(SMP) with GIC=2: a GICv2 has at most 8 CPUs)
endif
ifneq ($(shell echo '$(MEM)' | grep -Ex '[1-9][0-9]*[kKmMgGtT]?'),$(strip $(MEM)))
$(error MEM='$(MEM)': MEM must be a size such as 512M, 2G or 8g)
endif

override BUS := $(strip $(BUS))
$(call check_one_of,BUS,mmio pci,mmio or pci)
$(call check_one_of,BLK,y n,y or n)
$(call check_one_of,NET,y n,y or n)
$(call check_one_of,ACCEL,y n,y or n)
# (x86_64's q35 has only PCI: its disk is always virtio-pci, whatever BUS says.)
ifeq ($(filter x86_64,$(ARCH))$(BUS)$(filter fs,$(APP_FEATURES)),pcifs)
$(error APP_FEATURES=fs: cvisor reads its disk over virtio-mmio; use BUS=mmio (the default))
endif

endif
