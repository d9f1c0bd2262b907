# Emulated NS16550 UART (hv/devices/vns16550.c).
UNIT_TESTS += test_vns16550
test_vns16550_SRCS := tests/unit/hv/test_vns16550.c hv/devices/vns16550.c lib/src/string.c
