# Console selection: early console, then the DTB's stdout-path (base/core/console_select.c), with
# the GIC binding translating the UART's interrupt (base/drivers/gic_fdt.c).
UNIT_TESTS += test_console
test_console_SRCS := tests/unit/base/test_console.c base/core/console_select.c base/core/console.c \
	base/core/irq.c base/core/devclaim.c base/drivers/gic_fdt.c lib/src/fdt_irq.c lib/src/fdt.c \
	lib/src/fdt_write.c lib/src/string.c
