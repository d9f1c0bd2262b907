/* A virtio-mmio device in a VM (see hv/virtio_dev.h). */
#include <base/log.h>
#include <hv/virtio_dev.h>
#include <hv/vm.h>

static void *map_guest(void *ctx, gpa_t addr, u64 len)
{
    struct virtio_vdev *v = ctx;
    return vm_gpa_to_hva(v->vm, addr, len);
}

static void raise(void *ctx, bool level)
{
    struct virtio_vdev *v = ctx;
    vdev_irq_set_level(v->vm, v->irq, level);
}

/* A guest that breaks its device over and over must not flood the console: the first
 * VIRTIO_LOGGED_ERRORS errors of a device are logged, then one line says the rest are not. */
#define VIRTIO_LOGGED_ERRORS 32u

static void report(void *ctx, u16 q, int err)
{
    struct virtio_vdev *v = ctx;
    v->errors++;
    if (v->errors > VIRTIO_LOGGED_ERRORS)
        return;
    LOG_AT(LOG_WARN, (long)v->vm->id, "%s@%#llx: queue %u: %s; the device stops until the driver resets it",
           v->kind, (unsigned long long)v->dev.base.val, q,
           err ? virtq_strerror(err) : "bad queue size or ring address");
    if (v->errors == VIRTIO_LOGGED_ERRORS)
        LOG_AT(LOG_WARN, (long)v->vm->id, "%s@%#llx: %u driver errors; further ones are not logged",
               v->kind, (unsigned long long)v->dev.base.val, v->errors);
}

static bool vdev_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    struct virtio_vdev *v = dev->priv;
    (void)vcpu;
    spin_lock(v->lock);
    bool ok = virtio_mmio_read(&v->t, off, width, val);
    spin_unlock(v->lock);
    return ok;
}

static bool vdev_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    struct virtio_vdev *v = dev->priv;
    (void)vcpu;
    spin_lock(v->lock);
    bool ok = virtio_mmio_write(&v->t, off, width, val);
    spin_unlock(v->lock);
    return ok;
}

static void vdev_destroy(struct vdev *dev)
{
    struct virtio_vdev *v = dev->priv;
    v->destroy(v);
}

static const struct vdev_ops virtio_vdev_ops = {vdev_read, vdev_write, vdev_destroy};

void virtio_vdev_add(struct virtio_vdev *v, struct vm *vm, const struct vm_emu_device *e, const char *kind,
                     const struct virtio_backend *be, void *backend, const void *config, u32 config_len)
{
    v->vm = vm;
    if (!v->lock)
        v->lock = &v->own_lock;
    v->irq = e->irq;
    v->kind = kind;
    struct virtio_host host = {{map_guest, v}, raise, report, v};
    virtio_mmio_init(&v->t, be, backend, &host, config, config_len);
    v->dev = (struct vdev){.name = kind, .base = e->base, .size = e->length, .ops = &virtio_vdev_ops, .priv = v};
    vm_add_vdev(vm, &v->dev);
    LOG_AT(LOG_DEBUG, (long)vm->id, "%s at %#llx, interrupt %u", kind, (unsigned long long)e->base.val, e->irq);
}
