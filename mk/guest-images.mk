# Real guest software (Debian's kernel, a busybox initramfs, U-Boot) fetched and built into the
# cache outside the repository by scripts/guest-images.sh; see docs/guest-images.md.
# Needs CACHE_DIR and ARCH, so it is included after they are set.
#   make guest-images                         fetch/build what is missing or out of date
#   make guest-images GUEST_IMAGES_REFRESH=1  also refresh the package index first

# The cache holds every checkout's products; GUEST_IMAGES_DIR holds links to the ones this build
# tree asked for (scripts/guest-images.sh LINK_DIR), and is what the image search path reads.
GUEST_IMAGES_DIR ?= $(BUILD)/guest-images/$(ARCH)
# The files it makes (scripts/guest-images.sh), so that a build missing one says how to get it.
GUEST_IMAGE_NAMES := linux-$(ARCH).$(if $(filter x86_64,$(ARCH)),bzImage,Image) initramfs-$(ARCH).cpio.gz \
  u-boot-qemu-$(patsubst aarch64,arm64,$(patsubst x86_64,amd64,$(ARCH))).bin
GUEST_IMAGES_REFRESH ?=

.PHONY: guest-images guest-images-all
guest-images: bootstrap
	@CACHE_DIR='$(CACHE_DIR)' ARCH='$(ARCH)' LINK_DIR='$(GUEST_IMAGES_DIR)' sh scripts/guest-images.sh \
	  $(if $(filter 1 yes true,$(GUEST_IMAGES_REFRESH)),--refresh)

# The system tests boot the Linux of each of these architectures, whatever ARCH is.
GUEST_IMAGE_ARCHES := aarch64 riscv64 x86_64
guest-images-all: bootstrap
	@for a in $(GUEST_IMAGE_ARCHES); do CACHE_DIR='$(CACHE_DIR)' ARCH=$$a LINK_DIR='$(BUILD)'/guest-images/$$a \
	  sh scripts/guest-images.sh \
	  $(if $(filter 1 yes true,$(GUEST_IMAGES_REFRESH)),--refresh) || exit 1; done
