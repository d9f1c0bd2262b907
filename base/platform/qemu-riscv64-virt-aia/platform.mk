# QEMU virt, riscv64, with the Advanced Interrupt Architecture in place of the PLIC: per hart an
# IMSIC with an S-level file and 3 guest interrupt files, and the APLIC in MSI mode
# (docs/riscv64.md, "AIA"). Everything else is qemu-riscv64-virt's: the same drivers (the
# interrupt driver finds the AIA in the DTB), the same board files.
include base/platform/qemu-riscv64-virt/platform.mk
PLATFORM_QEMU_MACHINE = -M virt,aia=aplic-imsic,aia-guests=3 -cpu rv64 -nographic -nic none -bios default
