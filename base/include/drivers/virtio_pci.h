#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H

/* Attaches the virtio device drivers (virtio-blk) to every virtio-pci device the PCI walk found
 * (virtio_pci.c). */
void virtio_pci_probe(void);

#endif
