# Defaults for ARCH=aarch64, written to .config.mk by `make ARCH=aarch64 defconfig`.
ARCH ?= aarch64
PLATFORM ?= qemu-aarch64-virt
SMP ?= 2
MEM ?= 2G
GIC ?= 3
LOG ?= info
VM_CONFIGS ?= configs/vms/linux-aarch64.toml
