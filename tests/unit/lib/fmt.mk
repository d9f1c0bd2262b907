UNIT_TESTS += test_fmt
test_fmt_SRCS := tests/unit/lib/test_fmt.c lib/src/fmt.c lib/src/string.c
