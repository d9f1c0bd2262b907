# Emulated PL011 UART (hv/devices/vpl011.c).
UNIT_TESTS += test_vpl011
test_vpl011_SRCS := tests/unit/hv/test_vpl011.c hv/devices/vpl011.c lib/src/string.c
