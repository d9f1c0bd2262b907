# Device side of virtio split virtqueues (lib/src/virtq.c): the chain walker against hostile rings.
UNIT_TESTS += test_virtq
test_virtq_SRCS := tests/unit/lib/test_virtq.c lib/src/virtq.c lib/src/string.c
