/* virtio-mmio transport, version 2 (see hv/virtio_mmio.h). Written from the virtio 1.2
 * specification, §4.2.2 (register layout) and §3.1 (device initialization). */
#include <hv/virtio_mmio.h>
#include <lib/string.h>

#define TRANSPORT_FEATURES                                                                                    \
    ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX))

static u64 offered(const struct virtio_mmio *t) { return t->be->features | TRANSPORT_FEATURES; }

static void update_irq(struct virtio_mmio *t)
{
    bool level = t->isr != 0;
    if (level == t->irq_level)
        return;
    t->irq_level = level;
    if (t->host.set_irq)
        t->host.set_irq(t->host.ctx, level);
}

static void reset(struct virtio_mmio *t)
{
    t->status = 0;
    t->dev_features_sel = t->drv_features_sel = 0;
    t->driver_features = 0;
    t->queue_sel = 0;
    t->isr = 0;
    for (u32 i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
        virtq_reset(&t->q[i]);
    if (t->be->reset)
        t->be->reset(t);
    update_irq(t);
}

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_backend *be, void *dev, const struct virtio_host *host,
                      const void *config, u32 config_len)
{
    memset(t, 0, sizeof(*t));
    t->be = be;
    t->dev = dev;
    t->host = *host;
    t->config_len = MIN(config_len, VIRTIO_MMIO_CONFIG_MAX);
    if (config)
        memcpy(t->config, config, t->config_len);
    reset(t);
}

bool virtio_mmio_live(const struct virtio_mmio *t)
{
    return (t->status & VIRTIO_STATUS_DRIVER_OK) && !(t->status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

bool virtio_mmio_has_feature(const struct virtio_mmio *t, u32 bit)
{
    return bit < 64 && (t->driver_features >> bit) & 1;
}

void virtio_mmio_used(struct virtio_mmio *t, u16 q)
{
    if (q >= t->be->num_queues || !virtq_need_interrupt(&t->q[q], &t->host.mem))
        return;
    t->isr |= VIRTIO_INT_USED;
    update_irq(t);
}

void virtio_mmio_fail(struct virtio_mmio *t, u16 q, int err)
{
    if (t->status & VIRTIO_STATUS_NEEDS_RESET)
        return; /* reported once until the driver resets the device */
    t->status |= VIRTIO_STATUS_NEEDS_RESET;
    if (t->host.error)
        t->host.error(t->host.ctx, q, err);
    if (t->status & VIRTIO_STATUS_DRIVER_OK) { /* §2.1.2: tell a running driver */
        t->isr |= VIRTIO_INT_CONFIG;
        update_irq(t);
    }
}

void virtio_mmio_config_changed(struct virtio_mmio *t)
{
    t->config_generation++;
    if (!virtio_mmio_live(t))
        return;
    t->isr |= VIRTIO_INT_CONFIG;
    update_irq(t);
}

static struct virtq *selected(struct virtio_mmio *t)
{
    return t->queue_sel < t->be->num_queues ? &t->q[t->queue_sel] : NULL;
}

static bool config_read(const struct virtio_mmio *t, u64 off, u8 width, u64 *value)
{
    if (off + width > t->config_len) { /* past the device's config: zero, as reserved space */
        *value = 0;
        return true;
    }
    u64 v = 0;
    memcpy(&v, t->config + off, width);
    *value = v;
    return true;
}

static bool config_write(struct virtio_mmio *t, u64 off, u8 width, u64 value)
{
    if (!t->be->config_write || off + width > t->config_len)
        return true; /* read-only or reserved: ignored */
    u8 old[8];
    memcpy(old, t->config + off, width);
    memcpy(t->config + off, &value, width);
    if (!t->be->config_write(t, (u32)off, width))
        memcpy(t->config + off, old, width);
    return true;
}

bool virtio_mmio_read(struct virtio_mmio *t, u64 off, u8 width, u64 *value)
{
    if (off >= VIRTIO_MMIO_CONFIG) {
        off -= VIRTIO_MMIO_CONFIG;
        if ((width != 1 && width != 2 && width != 4 && width != 8) || off >= VIRTIO_MMIO_CONFIG_MAX ||
            (off & (width - 1)))
            return false;
        return config_read(t, off, width, value);
    }
    if (width != 4 || (off & 3))
        return false;
    struct virtq *q = selected(t);
    u32 v = 0;
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        v = VIRTIO_MMIO_MAGIC;
        break;
    case VIRTIO_MMIO_VERSION:
        v = 2;
        break;
    case VIRTIO_MMIO_DEVICE_ID:
        v = t->be->device_id;
        break;
    case VIRTIO_MMIO_VENDOR_ID:
        v = VIRTIO_MMIO_VENDOR;
        break;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        v = t->dev_features_sel == 0 ? (u32)offered(t) : t->dev_features_sel == 1 ? (u32)(offered(t) >> 32) : 0;
        break;
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        v = q ? VIRTQ_MAX_SIZE : 0; /* 0: no such queue */
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        v = q && q->ready;
        break;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        v = t->isr;
        break;
    case VIRTIO_MMIO_STATUS:
        v = t->status;
        break;
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH:
        v = 0xffffffffu; /* no shared memory regions */
        break;
    case VIRTIO_MMIO_CONFIG_GENERATION:
        v = t->config_generation;
        break;
    default:
        /* Write-only and reserved registers read as zero. */
        break;
    }
    *value = v;
    return true;
}

static void set_half(gpa_t *a, u32 v, bool high)
{
    a->val = high ? (a->val & 0xffffffffull) | ((u64)v << 32) : (a->val & ~0xffffffffull) | v;
}

static void write_status(struct virtio_mmio *t, u32 v)
{
    if (v == 0) {
        reset(t);
        return;
    }
    /* FEATURES_OK stays clear when the driver chose what we do not offer or spoke legacy
     * virtio (no VERSION_1): §3.1.1 has it read the status back. */
    if ((v & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK)) {
        if ((t->driver_features & ~offered(t)) || !virtio_mmio_has_feature(t, VIRTIO_F_VERSION_1))
            v &= ~VIRTIO_STATUS_FEATURES_OK;
        else
            for (u32 i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
                t->q[i].indirect = virtio_mmio_has_feature(t, VIRTIO_F_INDIRECT_DESC);
                t->q[i].event_idx = virtio_mmio_has_feature(t, VIRTIO_F_EVENT_IDX);
            }
    }
    /* The driver only adds bits; NEEDS_RESET is ours and stays until a reset. */
    t->status = (t->status & VIRTIO_STATUS_NEEDS_RESET) | (v & 0xbfu);
}

static void write_ready(struct virtio_mmio *t, struct virtq *q, u32 v)
{
    if (!v) {
        q->ready = false;
        return;
    }
    if (q->ready)
        return;
    int r = virtq_check(q, &t->host.mem);
    if (r) {
        virtio_mmio_fail(t, (u16)t->queue_sel, 0);
        return;
    }
    q->ready = true;
}

bool virtio_mmio_write(struct virtio_mmio *t, u64 off, u8 width, u64 value)
{
    if (off >= VIRTIO_MMIO_CONFIG) {
        off -= VIRTIO_MMIO_CONFIG;
        if ((width != 1 && width != 2 && width != 4 && width != 8) || off >= VIRTIO_MMIO_CONFIG_MAX ||
            (off & (width - 1)))
            return false;
        return config_write(t, off, width, value);
    }
    if (width != 4 || (off & 3))
        return false;
    u32 v = (u32)value;
    struct virtq *q = selected(t);
    /* Queue layout registers change only while the queue is off (§4.2.2.2). */
    bool q_writable = q && !q->ready;
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        t->dev_features_sel = v;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (t->status & VIRTIO_STATUS_FEATURES_OK)
            break; /* fixed once accepted */
        if (t->drv_features_sel == 0)
            t->driver_features = (t->driver_features & ~0xffffffffull) | v;
        else if (t->drv_features_sel == 1)
            t->driver_features = (t->driver_features & 0xffffffffull) | ((u64)v << 32);
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        t->drv_features_sel = v;
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        t->queue_sel = v;
        break;
    case VIRTIO_MMIO_QUEUE_NUM:
        if (q_writable)
            q->num = v <= VIRTQ_MAX_SIZE ? (u16)v : 0; /* checked when made ready */
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        if (q)
            write_ready(t, q, v);
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        if (v < t->be->num_queues && t->q[v].ready && virtio_mmio_live(t))
            t->be->notify(t, (u16)v);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        t->isr &= ~v;
        update_irq(t);
        break;
    case VIRTIO_MMIO_STATUS:
        write_status(t, v);
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        if (q_writable)
            set_half(&q->desc, v, off == VIRTIO_MMIO_QUEUE_DESC_HIGH);
        break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        if (q_writable)
            set_half(&q->avail, v, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH);
        break;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        if (q_writable)
            set_half(&q->used, v, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH);
        break;
    default:
        /* Read-only and reserved registers: writes ignored. */
        break;
    }
    return true;
}
