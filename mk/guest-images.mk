# Real guest software (Debian's kernel, a busybox initramfs, U-Boot) fetched and built into the
# cache outside the repository by scripts/guest-images.sh; see docs/guest-images.md.
# Needs CACHE_DIR and ARCH, so it is included after they are set.
#   make guest-images                         fetch/build what is missing or out of date
#   make guest-images GUEST_IMAGES_REFRESH=1  also refresh the package index first

GUEST_IMAGES_DIR := $(CACHE_DIR)/images/$(ARCH)
# The files it makes (scripts/guest-images.sh), so that a build missing one says how to get it.
GUEST_IMAGE_NAMES := linux-$(ARCH).Image initramfs-$(ARCH).cpio.gz \
  u-boot-qemu-$(patsubst aarch64,arm64,$(patsubst x86_64,amd64,$(ARCH))).bin
GUEST_IMAGES_REFRESH ?=

.PHONY: guest-images
guest-images: bootstrap
	@CACHE_DIR='$(CACHE_DIR)' ARCH='$(ARCH)' sh scripts/guest-images.sh \
	  $(if $(filter 1 yes true,$(GUEST_IMAGES_REFRESH)),--refresh)
