FUZZERS += fuzz_fdt
fuzz_fdt_SRCS := tests/fuzz/fuzz_fdt.c lib/src/fdt.c lib/src/fdt_write.c lib/src/fdt_irq.c lib/src/string.c
