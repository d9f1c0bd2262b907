# Device range ownership (base/core/devclaim.c).
UNIT_TESTS += test_devclaim
test_devclaim_SRCS := tests/unit/base/test_devclaim.c base/core/devclaim.c lib/src/string.c
