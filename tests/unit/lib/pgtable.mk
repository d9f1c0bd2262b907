UNIT_TESTS += test_pgtable
test_pgtable_SRCS := tests/unit/lib/test_pgtable.c lib/src/pgtable.c lib/src/string.c
