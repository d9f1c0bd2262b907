# The hypervisor app: generic core, arch part, and the generated table of embedded files.
# APP_FEATURES=fs adds guest configs and images from a FAT disk (hv/fs).
APP_FEATURES ?=
APP_SRCS := $(wildcard hv/core/*.c hv/devices/*.c) $(wildcard hv/arch/$(ARCH)/*.c hv/arch/$(ARCH)/*.S hv/arch/$(ARCH)/*/*.c hv/arch/$(ARCH)/*/*.S) \
  $(if $(filter fs,$(APP_FEATURES)),$(wildcard hv/fs/*.c))
APP_GEN_OBJS := $(IMAGE_DIR)/embed.o

# Embedded configs and images. VM_CONFIGS is colon-separated, as in the original.
# With a disk, the configs come from it (plus any given here); without, Debian's Linux, or the
# hello test guest on an architecture that has no Linux config yet.
VM_CONFIGS ?= $(if $(filter fs,$(APP_FEATURES)),,$(firstword $(wildcard configs/vms/linux-$(ARCH).toml) \
  configs/vms/hello-$(ARCH).toml))
VM_CONFIG_LIST := $(subst :, ,$(VM_CONFIGS))
GUEST_OUT := $(BUILD)/guests/$(ARCH)
# The cache itself last: a build tree that never ran `make guest-images` (a test run by hand)
# still finds the products the last run in any checkout made.
IMAGE_SEARCH = $(GUEST_OUT):$(GUEST_IMAGES_DIR):$(CACHE_DIR)/images/$(ARCH)
include guests/guests.mk

$(IMAGE_DIR)/embed.S: $(VM_CONFIG_LIST) scripts/gen_embed.py guests FORCE | bootstrap
	@mkdir -p $(@D)
	@GUEST_IMAGE_NAMES='$(GUEST_IMAGE_NAMES)' /usr/bin/python3 scripts/gen_embed.py $@ $(IMAGE_DIR)/embed-files.d $(IMAGE_DIR)/embed.o $(IMAGE_SEARCH) $(VM_CONFIG_LIST)

$(IMAGE_DIR)/embed.o: $(IMAGE_DIR)/embed.S
	@mkdir -p $(@D)
	@echo "  AS  $<"
	@$(TARGET_CC) $(TARGET_CFLAGS) -c $< -o $@

# Not embed.d: the compiler writes that one for embed.o and does not know about .incbin.
-include $(IMAGE_DIR)/embed-files.d

# An architecture whose base is ported but not the hypervisor: building the image stops with a
# clear message (other goals, e.g. print-qemu, still work for APP=base-demo's board).
ifeq ($(wildcard hv/arch/$(ARCH)),)
APP_SRCS :=
APP_GEN_OBJS := $(IMAGE_DIR)/hv-not-ported.o
$(IMAGE_DIR)/hv-not-ported.o:
	@echo "the hypervisor is not ported to ARCH=$(ARCH) yet (no hv/arch/$(ARCH)); APP=base-demo builds the base alone" >&2
	@exit 1
endif
