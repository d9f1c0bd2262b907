UNIT_TESTS += test_page_alloc
test_page_alloc_SRCS := tests/unit/base/test_page_alloc.c base/core/page_alloc.c lib/src/string.c
