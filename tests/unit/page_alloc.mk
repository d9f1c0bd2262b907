UNIT_TESTS += test_page_alloc
test_page_alloc_SRCS := tests/unit/test_page_alloc.c base/core/page_alloc.c lib/src/string.c
