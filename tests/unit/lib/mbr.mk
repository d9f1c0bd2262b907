UNIT_TESTS += test_mbr
test_mbr_SRCS := tests/unit/lib/test_mbr.c lib/src/mbr.c lib/src/string.c
