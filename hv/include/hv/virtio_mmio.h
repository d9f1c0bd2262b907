/* The virtio-mmio transport, version 2 (virtio 1.2 §4.2): the register file a guest driver sees,
 * feature negotiation, device status, the queues' configuration and notification, and the
 * interrupt status. A device (console, blk, ...) plugs in through struct virtio_backend. Pure
 * logic over lib/virtq (no allocation, no locking, no hardware): compiled into the hypervisor
 * (hv/core/virtio_dev.c adds the VM glue) and into host tests. See docs/virtio.md. */
#ifndef HV_VIRTIO_MMIO_H
#define HV_VIRTIO_MMIO_H

#include <lib/types.h>
#include <lib/virtq.h>

#define VIRTIO_MMIO_SIZE 0x200u
#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x53495643u /* "CVIS" */
#define VIRTIO_MMIO_MAX_QUEUES 4u
#define VIRTIO_MMIO_CONFIG_MAX 64u

/* Registers (offsets). */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_SHM_SEL 0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW 0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW 0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH 0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

/* Interrupt status bits. */
#define VIRTIO_INT_USED 1u
#define VIRTIO_INT_CONFIG 2u

/* Transport feature bits. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Device IDs. */
#define VIRTIO_ID_NET 1u
#define VIRTIO_ID_BLOCK 2u
#define VIRTIO_ID_CONSOLE 3u

struct virtio_mmio;

struct virtio_backend {
    u32 device_id;
    u64 features;    /* device-specific feature bits it offers (transport bits are added) */
    u16 num_queues;  /* 1..VIRTIO_MMIO_MAX_QUEUES */
    /* The driver notified queue q (ready, DRIVER_OK): take its chains. */
    void (*notify)(struct virtio_mmio *t, u16 q);
    /* The driver reset the device (status 0): forget in-flight state. May be NULL. */
    void (*reset)(struct virtio_mmio *t);
    /* Whether a config-space write of width bytes at off is accepted (the bytes are stored
     * before the call); NULL: config space is read-only. */
    bool (*config_write)(struct virtio_mmio *t, u32 off, u8 width);
};

/* Where the transport's effects go. */
struct virtio_host {
    struct virtq_mem mem;                      /* guest memory */
    void (*set_irq)(void *ctx, bool level);    /* the interrupt line; called on changes only */
    void (*error)(void *ctx, u16 q, int err);  /* the guest broke queue q (VIRTQ_E_*, or 0: a bad
                                                  queue setup): logged */
    void *ctx;
};

struct virtio_mmio {
    const struct virtio_backend *be;
    void *dev; /* the backend's state */
    struct virtio_host host;
    u32 status;
    u32 dev_features_sel, drv_features_sel;
    u64 driver_features;
    u32 queue_sel;
    u32 isr;
    u32 config_generation;
    bool irq_level;
    struct virtq q[VIRTIO_MMIO_MAX_QUEUES];
    u8 config[VIRTIO_MMIO_CONFIG_MAX];
    u32 config_len;
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_backend *be, void *dev, const struct virtio_host *host,
                      const void *config, u32 config_len);
/* A guest access at offset from the device base. false: the access is rejected (the VM gets a
 * fault). Registers below the config space take 32-bit accesses only. */
bool virtio_mmio_read(struct virtio_mmio *t, u64 offset, u8 width, u64 *value);
bool virtio_mmio_write(struct virtio_mmio *t, u64 offset, u8 width, u64 value);

/* For backends: */
/* Whether the driver is running (DRIVER_OK, not broken). */
bool virtio_mmio_live(const struct virtio_mmio *t);
bool virtio_mmio_has_feature(const struct virtio_mmio *t, u32 bit);
/* After pushing used chains of queue q: raises the used-buffer interrupt if the driver wants it. */
void virtio_mmio_used(struct virtio_mmio *t, u16 q);
/* The guest broke queue q (a VIRTQ_E_* code): the device stops and asks for a reset
 * (DEVICE_NEEDS_RESET and a configuration-change interrupt); reported through host.error. */
void virtio_mmio_fail(struct virtio_mmio *t, u16 q, int err);
/* Config space changed (its generation moves, the driver is interrupted). */
void virtio_mmio_config_changed(struct virtio_mmio *t);

#endif
