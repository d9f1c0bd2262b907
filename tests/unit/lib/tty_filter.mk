UNIT_TESTS += test_tty_filter
test_tty_filter_SRCS := tests/unit/lib/test_tty_filter.c lib/src/tty_filter.c
