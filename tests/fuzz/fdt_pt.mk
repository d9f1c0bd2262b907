FUZZERS += fuzz_fdt_pt
fuzz_fdt_pt_SRCS := tests/fuzz/fuzz_fdt_pt.c lib/src/fdt_pt.c lib/src/fdt.c lib/src/fdt_irq.c lib/src/string.c \
	base/drivers/gic_fdt.c
