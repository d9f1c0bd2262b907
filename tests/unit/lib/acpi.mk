# ACPI tables and the multiboot memory map (lib/src/acpi.c, lib/src/multiboot.c).
UNIT_TESTS += test_acpi
test_acpi_SRCS := tests/unit/lib/test_acpi.c lib/src/acpi.c lib/src/multiboot.c lib/src/string.c
