#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include <lib/fdt.h>

/* Registers every virtio-mmio block device of the DTB as a blockdev (virtio_blk.c). */
void virtio_blk_probe(const struct fdt *fdt);

#endif
