# The machine description from a DTB, and its adders (base/core/machine.c, machine_fdt.c).
UNIT_TESTS += test_machine
test_machine_SRCS := tests/unit/base/test_machine.c base/core/machine.c base/core/machine_fdt.c lib/src/fdt.c \
	lib/src/fdt_write.c lib/src/string.c
