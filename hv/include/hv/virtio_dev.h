/* A virtio-mmio device of a VM: the transport (hv/virtio_mmio.h) as an emulated MMIO device,
 * its guest memory reached through the VM's RAM regions and its interrupt through
 * vdev_irq_set_level. Backends: hv/core/virtio_console.c. See docs/virtio.md. */
#ifndef HV_VIRTIO_DEV_H
#define HV_VIRTIO_DEV_H

#include <arch/spinlock.h>
#include <hv/vdev.h>
#include <hv/virtio_mmio.h>
#include <hv/vm_config.h>
#include <lib/vswitch.h>

struct vm;

struct virtio_vdev {
    struct vdev dev;
    struct virtio_mmio t;
    spinlock_t own_lock;
    /* Serialises MMIO from any vCPU and host-side events (console input, frames from another
     * VM): own_lock, or one a backend shares between devices (virtio-net: its switches'). */
    spinlock_t *lock;
    struct vm *vm;
    u32 irq;
    const char *kind; /* "virtio-console", for messages */
    u32 errors;       /* driver errors that broke the device (the first ones are logged) */
    void (*destroy)(struct virtio_vdev *v); /* frees the backend */
};

/* Sets up v (allocated by the backend, which owns it) for emu device e of the VM and adds it. */
void virtio_vdev_add(struct virtio_vdev *v, struct vm *vm, const struct vm_emu_device *e, const char *kind,
                     const struct virtio_backend *be, void *backend, const void *config, u32 config_len);

/* emu_type 0xE3: a virtio console (the VM's hvc0). -1 with a message in diag on failure. */
int virtio_console_create(struct vm *vm, const struct vm_emu_device *e, struct diag *d);

/* emu_type 0xE1: a virtio-blk device over [kernel] disk_path on the FAT disk. */
int virtio_disk_create(struct vm *vm, const struct vm_emu_device *e, struct diag *d);

/* emu_type 0xE2: a virtio-net device, a port of the switch of its network (cfg[0]). */
int virtio_net_create(struct vm *vm, const struct vm_emu_device *e, struct diag *d);
/* Takes the VM's virtio-net port off its switch (first thing when the VM comes apart: no frame
 * reaches its memory or interrupt controller afterwards). */
void virtio_net_detach(struct vm *vm);
/* The VM's port counters (and its MAC and network); false when it has no attached port. */
struct virtio_net_info {
    u8 mac[6];
    u32 network;
    struct vswitch_port_stats st;
};
bool virtio_net_info(struct vm *vm, struct virtio_net_info *out);

#endif
