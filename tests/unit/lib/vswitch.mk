# The L2 switch between virtio-net devices (lib/src/vswitch.c): learning, flooding, bounded queues, port removal.
UNIT_TESTS += test_vswitch
test_vswitch_SRCS := tests/unit/lib/test_vswitch.c lib/src/vswitch.c lib/src/string.c
