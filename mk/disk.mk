# The guest disk (docs/disk.md): a FAT32 image built with mkfs.fat + mtools, no root, no mount.
#   make disk_img [DISK_IMG=path] [DISK_CONFIGS=a.toml:b.toml]   (':' or spaces between configs)
#   make APP_FEATURES=fs [DISK_IMG=path] run
DISK_IMG ?= $(BUILD)/disk.img
DISK_CONFIGS ?= configs/vms/linux-$(ARCH)-fs.toml
DISK_CONFIG_LIST := $(subst :, ,$(DISK_CONFIGS))

.PHONY: disk_img
disk_img: bootstrap guest-images guests
	@for c in $(DISK_CONFIG_LIST); do test -f "$$c" || { echo "DISK_CONFIGS: VM config '$$c' does not exist" >&2; exit 1; }; done
	@sh scripts/mkdisk.sh '$(DISK_IMG)' '$(GUEST_OUT)' '$(GUEST_IMAGES_DIR)' $(DISK_CONFIG_LIST)

# Built on first use by `make APP_FEATURES=fs run`; rebuilt only by `make disk_img`.
$(DISK_IMG):
	@$(MAKE) --no-print-directory disk_img DISK_IMG='$(DISK_IMG)'
