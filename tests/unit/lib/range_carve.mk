# Carving RAM around the hypervisor image's code and read-only data (lib/src/range_carve.c).
UNIT_TESTS += test_range_carve
test_range_carve_SRCS := tests/unit/lib/test_range_carve.c lib/src/range_carve.c
