# The RISC-V interrupt bindings (base/drivers/riscv_plic_fdt.c).
UNIT_TESTS += test_riscv_plic_fdt
test_riscv_plic_fdt_SRCS := tests/unit/base/test_riscv_plic_fdt.c base/drivers/riscv_plic_fdt.c lib/src/fdt.c \
	lib/src/fdt_write.c lib/src/string.c
