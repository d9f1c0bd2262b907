# cvisor top-level Makefile (non-recursive). See README.md for the variables.
ARCH ?= aarch64
SMP ?= 2
MEM ?= 2G
LOG ?= info
BUILD ?= build
CACHE_DIR ?= $(HOME)/.cache/cvisor

.DEFAULT_GOAL := build

# Installs missing Debian packages once; a no-op (no network) when all are present.
.PHONY: bootstrap
bootstrap:
	@sh scripts/bootstrap.sh

include mk/host.mk
-include mk/target.mk

.PHONY: clean
clean:
	rm -rf $(BUILD)
