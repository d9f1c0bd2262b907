/* A virtio transport (virtio 1.2, chapter 4) as the virtio device drivers of the base see it:
 * virtio-mmio (base/drivers/virtio_blk.c, from the DTB) and virtio-pci (base/drivers/
 * virtio_pci.c, from the PCI walk) each fill one, then attach the device driver. */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <base/irq.h>
#include <lib/types.h>

#define VIRTIO_STATUS_ACK 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_FAILED 128u
#define VIRTIO_F_VERSION_1 32 /* feature bit number */
#define VIRTIO_ID_BLOCK 2

struct virtio_transport;
struct virtio_transport_ops {
    u32 (*features)(struct virtio_transport *t, u32 word); /* device features, bits 32*word.. */
    void (*set_features)(struct virtio_transport *t, u32 word, u32 value);
    u8 (*status)(struct virtio_transport *t);
    void (*set_status)(struct virtio_transport *t, u8 status); /* 0 resets (and waits for it) */
    u16 (*queue_max)(struct virtio_transport *t, u16 queue);  /* 0: no such queue */
    /* Sets the queue's size and ring addresses and makes it live. */
    bool (*queue_setup)(struct virtio_transport *t, u16 queue, u16 size, u64 desc, u64 avail, u64 used);
    void (*notify)(struct virtio_transport *t, u16 queue);
    u32 (*config32)(struct virtio_transport *t, u32 offset); /* device-specific configuration */
    void (*ack_irq)(struct virtio_transport *t);             /* in the interrupt handler */
};

struct virtio_transport {
    const struct virtio_transport_ops *ops;
    bool legacy;     /* virtio-mmio version 1: no VERSION_1 feature, one queue block by page number */
    irq_t irq;       /* the device's interrupt, an IRQ number of <base/irq.h> */
    u64 where;       /* for messages: its MMIO base, or its PCI bus/device/function */
};

/* The virtio-blk driver (virtio_blk.c): registers the device as a blockdev. 0 or -1. */
int virtio_blk_attach(struct virtio_transport *t);

#endif
