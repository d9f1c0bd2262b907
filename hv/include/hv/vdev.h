/* Emulated devices of a VM: found by address when an access exits, in the guest-physical space
 * (MMIO: a stage-2 fault) or, on architectures that have one, the port I/O space (x86's IN/OUT,
 * a VCPU_EXIT_PIO). */
#ifndef HV_VDEV_H
#define HV_VDEV_H

#include <lib/addr.h>
#include <lib/types.h>

struct vcpu;
struct vdev;
struct vm;

struct vdev_ops {
    /* offset is from the device base; width 1/2/4/8. Return false for an access the device
     * rejects (the VM gets a fault report). */
    bool (*read)(struct vdev *dev, struct vcpu *vcpu, u64 offset, u8 width, u64 *value);
    bool (*write)(struct vdev *dev, struct vcpu *vcpu, u64 offset, u8 width, u64 value);
    void (*destroy)(struct vdev *dev);
};

/* The address space a device answers in; base is a guest-physical address, or a port number. */
enum vdev_space { VDEV_SPACE_MMIO, VDEV_SPACE_PIO };

struct vdev {
    const char *name;
    enum vdev_space space;
    gpa_t base;
    u64 size;
    const struct vdev_ops *ops;
    void *priv;
    struct vdev *next;
};

/* An emulated device's interrupt line (level-sensitive) to the VM's interrupt controller: the
 * one place emulated devices raise interrupts through. */
void vdev_irq_set_level(struct vm *vm, u32 irq, bool level);

#endif
