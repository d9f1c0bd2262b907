# The riscv64 nodes of a guest device tree (hv/arch/riscv64/vm_fdt_arch.c) with the generic writer
# (hv/core/vm_fdt.c): generated trees read back and checked by dtc, and /cpus replaced in a user's
# tree compiled by dtc from a source in the test.
UNIT_TESTS += test_riscv_vm_fdt
test_riscv_vm_fdt_SRCS := tests/unit/hv/arch/riscv64/test_vm_fdt.c hv/core/vm_fdt.c hv/core/vm_fdt_node.c \
	hv/arch/riscv64/vm_fdt_arch.c lib/src/fdt.c lib/src/fdt_write.c lib/src/fmt.c lib/src/string.c
# riscv64's headers instead of the generic tests' arch (HV_HOST_ARCH), whose <arch/vm_fdt_arch.h>
# would come first.
$(BUILD)/host/unit/test_riscv_vm_fdt: HOST_CFLAGS := $(filter-out -Ihv/arch/%/include,$(HOST_CFLAGS)) \
	-Ihv/arch/riscv64/include
