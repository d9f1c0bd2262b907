# cvisor top-level Makefile (non-recursive). See README.md for the variables.
# `make ARCH=... defconfig` writes CONFIG_MK: defaults that later runs pick up (the command line
# and the environment still win).
CONFIG_MK ?= .config.mk
-include $(CONFIG_MK)
ARCH ?= aarch64
SMP ?= 2
MEM ?= 2G
GIC ?= 3
LOG ?= info
BUILD ?= build
CACHE_DIR ?= $(HOME)/.cache/cvisor
ACCEL ?= n
BUS ?= mmio
BLK ?= n
NET ?= n
include mk/defconfig.mk
include mk/checks.mk

.DEFAULT_GOAL := build

# Installs missing Debian packages once; a no-op (no network) when all are present.
.PHONY: bootstrap
bootstrap:
	@sh scripts/bootstrap.sh

include mk/host.mk
-include mk/target.mk
include mk/guest-images.mk
include mk/bench.mk
include mk/disk.mk
include mk/check.mk

# The whole test suite: host unit tests, host-side checks (TOML differential test), a bounded
# fuzz run of every parser of untrusted input, the QEMU system tests, and a quick smoke run of
# `make bench` so it cannot silently break.
PYTEST ?= /usr/bin/python3 -m pytest
.PHONY: test systest host-checks
test: bootstrap
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory host-checks
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory systest
	@$(MAKE) --no-print-directory bench-smoke

host-checks: $(HOST_CHECKS)

# ARCH and PLATFORM are the default of the tests that do not name their own (tests/system/cvisor.py).
# The system tests boot the Linux of every architecture (GUEST_IMAGE_ARCHES), whatever ARCH is.
systest: bootstrap guest-images-all
	CVISOR_ARCH=$(ARCH) CVISOR_PLATFORM=$(PLATFORM) $(PYTEST) -q --tb=short --durations=20 tests/system

.PHONY: clean distclean
clean:
	rm -rf $(BUILD)
distclean: clean
	rm -f $(CONFIG_MK)
