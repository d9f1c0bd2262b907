# The virtio-pci capability parser (base/drivers/virtio_pci_caps.c): pure, over a copy of config space.
UNIT_TESTS += test_virtio_pci_caps
test_virtio_pci_caps_SRCS := tests/unit/base/test_virtio_pci_caps.c base/drivers/virtio_pci_caps.c
