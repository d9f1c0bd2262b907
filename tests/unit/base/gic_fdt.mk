# The GIC's device-tree interrupt binding (base/drivers/gic_fdt.c).
UNIT_TESTS += test_gic_fdt
test_gic_fdt_SRCS := tests/unit/base/test_gic_fdt.c base/drivers/gic_fdt.c lib/src/fdt.c lib/src/fdt_write.c \
	lib/src/string.c
