FUZZERS += fuzz_acpi
fuzz_acpi_SRCS := tests/fuzz/fuzz_acpi.c lib/src/acpi.c lib/src/multiboot.c lib/src/string.c
