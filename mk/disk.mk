# The guest disk (docs/disk.md): a FAT32 image built with mkfs.fat + mtools, no root, no mount.
#   make disk_img [DISK_IMG=path] [DISK_CONFIGS="a.toml b.toml"]
#   make APP_FEATURES=fs [DISK_IMG=path] run
DISK_IMG ?= $(BUILD)/disk.img
DISK_CONFIGS ?= configs/vms/linux-$(ARCH)-fs.toml

.PHONY: disk_img
disk_img: bootstrap guest-images guests
	@sh scripts/mkdisk.sh '$(DISK_IMG)' '$(GUEST_OUT)' '$(GUEST_IMAGES_DIR)' $(DISK_CONFIGS)

# Built on first use by `make APP_FEATURES=fs run`; rebuilt only by `make disk_img`.
$(DISK_IMG):
	@$(MAKE) --no-print-directory disk_img DISK_IMG='$(DISK_IMG)'

comma := ,
QEMU_DISK = $(if $(filter fs,$(APP_FEATURES)),-drive if=none$(comma)file=$(DISK_IMG)$(comma)format=raw$(comma)id=d0 \
  -device virtio-blk-device$(comma)drive=d0)
