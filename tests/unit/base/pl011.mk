# The hypervisor console's PL011 driver (base/drivers/pl011.c) over a register block in memory.
UNIT_TESTS += test_pl011
test_pl011_SRCS := tests/unit/base/test_pl011.c base/drivers/pl011.c
