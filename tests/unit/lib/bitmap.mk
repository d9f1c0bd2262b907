UNIT_TESTS += test_bitmap
test_bitmap_SRCS := tests/unit/lib/test_bitmap.c
