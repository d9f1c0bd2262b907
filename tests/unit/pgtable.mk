UNIT_TESTS += test_pgtable
test_pgtable_SRCS := tests/unit/test_pgtable.c lib/src/pgtable.c lib/src/string.c
