/* What a virtio-pci function's configuration space says (virtio 1.2, 4.1.4): where its common,
 * notify and device-specific structures and its MSI-X table lie inside its memory BARs. Parsed
 * from a copy of the function's first 256 configuration bytes, so that it runs (and is tested) on
 * the host; a device's values are checked, never trusted. */
#ifndef DRIVERS_VIRTIO_PCI_CAPS_H
#define DRIVERS_VIRTIO_PCI_CAPS_H

#include <drivers/pci.h>
#include <lib/types.h>

#define PCI_CFG_STD_BYTES 256

/* struct virtio_pci_cap: cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2], offset, length;
 * the notify capability adds notify_off_multiplier. */
#define VIRTIO_PCI_CAP_CFG_TYPE 3
#define VIRTIO_PCI_CAP_BAR 4
#define VIRTIO_PCI_CAP_OFFSET 8
#define VIRTIO_PCI_CAP_LENGTH 12
#define VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER 16
#define VIRTIO_PCI_CAP_MIN_LEN 16
#define VIRTIO_PCI_NOTIFY_CAP_MIN_LEN 20
#define VIRTIO_PCI_CFG_COMMON 1
#define VIRTIO_PCI_CFG_NOTIFY 2
#define VIRTIO_PCI_CFG_ISR 3
#define VIRTIO_PCI_CFG_DEVICE 4
#define VIRTIO_PCI_COMMON_SIZE 0x38 /* struct virtio_pci_common_cfg, through queue_used */

/* MSI-X capability: message control at +2, table offset | BIR at +4; 16 bytes per table entry. */
#define PCI_MSIX_CONTROL 2
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_ENTRY_BYTES 16

struct virtio_pci_layout {
    u64 common, notify, device; /* addresses inside the function's memory BARs */
    u64 notify_len, device_len;
    u32 notify_multiplier;
    u8 msix_cap;     /* the MSI-X capability's offset (its control register is at +2) */
    u64 msix_table;  /* the address of MSI-X table entry 0 */
};

/* The offset of the first capability with id `cap` after the one at `from` (0: from the start of
 * the list) in a copy of the standard configuration space; 0 when there is none. A list that loops
 * or leaves the standard space ends the walk. */
u8 pci_cfg_find_capability(const u8 cfg[PCI_CFG_STD_BYTES], u8 cap, u8 from);

/* Fills *out from the function's capabilities (the first of each kind that is usable, as the
 * specification asks drivers to do) and its BARs. Returns NULL, or what makes the function
 * unusable ("no common configuration structure", ...). */
const char *virtio_pci_parse(const u8 cfg[PCI_CFG_STD_BYTES], const struct pci_bar bar[PCI_BARS],
                             struct virtio_pci_layout *out);

/* The notify address of a queue whose queue_notify_off is `off`; false when it falls outside the
 * notify structure (a device's value, checked). */
bool virtio_pci_queue_notify_addr(const struct virtio_pci_layout *l, u16 off, u64 *addr);

#endif
