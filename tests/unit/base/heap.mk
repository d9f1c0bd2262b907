UNIT_TESTS += test_heap
test_heap_SRCS := tests/unit/base/test_heap.c base/core/heap.c lib/src/string.c
