# Interrupt specifiers and the stdout-path console node (lib/src/fdt_irq.c).
UNIT_TESTS += test_fdt_irq
test_fdt_irq_SRCS := tests/unit/lib/test_fdt_irq.c lib/src/fdt_irq.c lib/src/fdt.c lib/src/fdt_write.c lib/src/string.c
