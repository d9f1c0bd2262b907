# virtio-mmio transport (hv/core/virtio_mmio.c) over the virtqueue walker.
UNIT_TESTS += test_virtio_mmio
test_virtio_mmio_SRCS := tests/unit/hv/test_virtio_mmio.c hv/core/virtio_mmio.c lib/src/virtq.c lib/src/string.c
