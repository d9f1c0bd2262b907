/* virtio-blk (virtio 1.2, section 5.2) over any virtio transport (<drivers/virtio.h>), and the
 * virtio-mmio transport (section 4.2), both its modern (version 2) and legacy (version 1, QEMU's
 * default for virtio-mmio) register layouts, found in the DTB. One request at a time: a
 * three-descriptor chain (header, data, status), completion by interrupt. Large transfers are
 * single requests of up to REQUEST_MAX bytes, so loading a guest image costs few exits of the
 * emulator rather than one per sector. */
#include <arch/cpu.h>
#include <arch/spinlock.h>
#include <base/blockdev.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
#include <drivers/virtio.h>
#include <drivers/virtio_blk.h>
#include <lib/fdt.h>
#include <lib/string.h>

#define VIRTIO_MAGIC 0x74726976 /* "virt" */
#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_GUEST_PAGE_SIZE 0x028 /* legacy */
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_ALIGN 0x03c /* legacy */
#define REG_QUEUE_PFN 0x040   /* legacy */
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_CONFIG 0x100

#define STATUS_ACK VIRTIO_STATUS_ACK
#define STATUS_DRIVER VIRTIO_STATUS_DRIVER
#define STATUS_DRIVER_OK VIRTIO_STATUS_DRIVER_OK
#define STATUS_FEATURES_OK VIRTIO_STATUS_FEATURES_OK
#define STATUS_FAILED VIRTIO_STATUS_FAILED
#define FEATURE_VERSION_1 VIRTIO_F_VERSION_1
#define FEATURE_BLK_RO 5

#define DEVICE_ID_BLOCK VIRTIO_ID_BLOCK
#define QUEUE_SIZE 8
#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u
#define BLK_T_IN 0u
#define BLK_T_OUT 1u
#define REQUEST_MAX MiB(1)
#define MAX_VIRTIO_BLK 2

struct vq_desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};
struct vq_avail {
    u16 flags;
    u16 idx;
    u16 ring[QUEUE_SIZE];
};
struct vq_used_elem {
    u32 id;
    u32 len;
};
struct vq_used {
    u16 flags;
    u16 idx;
    struct vq_used_elem ring[QUEUE_SIZE];
};

struct blk_req_header {
    u32 type;
    u32 reserved;
    u64 sector;
};

/* Legacy layout wants descriptors, avail and (page-aligned) used ring in one block. */
struct vq_mem {
    struct vq_desc desc[QUEUE_SIZE];
    struct vq_avail avail;
    u8 pad[4096 - sizeof(struct vq_desc) * QUEUE_SIZE - sizeof(struct vq_avail)];
    struct vq_used used;
    struct blk_req_header header;
    volatile u8 status;
} __attribute__((aligned(4096)));

struct virtio_blk {
    struct blockdev dev;
    char name[32];
    struct virtio_transport *t;
    struct vq_mem *vq; /* two pages from the page allocator */
    u16 last_used;
    spinlock_t lock;
};

static struct virtio_blk disks[MAX_VIRTIO_BLK];
static unsigned disk_count;

static void vblk_irq(u32 intid, void *arg)
{
    (void)intid;
    struct virtio_blk *d = arg;
    d->t->ops->ack_irq(d->t);
}

/* Polls until the device has consumed the request, then acknowledges its interrupt. Requests
 * come from the hypervisor's boot and shell and also from a vCPU's exit handler (a VM's
 * virtio-blk over a file on this disk): unmasking interrupts there to sleep would let handlers
 * run in the middle of that vCPU's exit, which the hypervisor does not allow for. */
static void wait_used(struct virtio_blk *d)
{
    while (__atomic_load_n(&d->vq->used.idx, __ATOMIC_ACQUIRE) == d->last_used)
        arch_cpu_relax();
    d->t->ops->ack_irq(d->t);
    d->last_used++;
}

static int request(struct virtio_blk *d, u32 type, u64 lba, u32 count, void *buf)
{
    if (lba + count > d->dev.sectors || lba + count < lba)
        return -1;
    struct vq_mem *q = d->vq;
    q->header = (struct blk_req_header){type, 0, lba};
    q->status = 0xff;
    q->desc[0] = (struct vq_desc){(u64)(uintptr_t)&q->header, sizeof(q->header), DESC_F_NEXT, 1};
    q->desc[1] = (struct vq_desc){(u64)(uintptr_t)buf, count * BLOCKDEV_SECTOR,
                                  (u16)(DESC_F_NEXT | (type == BLK_T_IN ? DESC_F_WRITE : 0)), 2};
    q->desc[2] = (struct vq_desc){(u64)(uintptr_t)&q->status, 1, DESC_F_WRITE, 0};
    q->avail.ring[q->avail.idx % QUEUE_SIZE] = 0;
    arch_wmb();
    __atomic_store_n(&q->avail.idx, (u16)(q->avail.idx + 1), __ATOMIC_RELEASE);
    arch_io_barrier();
    d->t->ops->notify(d->t, 0);
    wait_used(d);
    return q->status == 0 ? 0 : -1;
}

static int transfer(struct blockdev *dev, u32 type, u64 lba, u32 count, void *buf)
{
    struct virtio_blk *d = dev->priv;
    int r = 0;
    spin_lock(&d->lock);
    while (count && r == 0) {
        u32 n = MIN(count, (u32)(REQUEST_MAX / BLOCKDEV_SECTOR));
        r = request(d, type, lba, n, buf);
        lba += n;
        count -= n;
        buf = (u8 *)buf + (u64)n * BLOCKDEV_SECTOR;
    }
    spin_unlock(&d->lock);
    return r;
}

static int vblk_read(struct blockdev *dev, u64 lba, u32 count, void *buf)
{
    return transfer(dev, BLK_T_IN, lba, count, buf);
}

static int vblk_write(struct blockdev *dev, u64 lba, u32 count, const void *buf)
{
    return dev->read_only ? -1 : transfer(dev, BLK_T_OUT, lba, count, (void *)buf);
}

static bool negotiate(struct virtio_blk *d, bool *read_only)
{
    struct virtio_transport *t = d->t;
    u32 lo = t->ops->features(t, 0);
    *read_only = lo & (1u << FEATURE_BLK_RO);
    t->ops->set_features(t, 0, lo & (1u << FEATURE_BLK_RO));
    if (t->legacy)
        return true;
    u32 hi = t->ops->features(t, 1);
    if (!(hi & (1u << (FEATURE_VERSION_1 - 32))))
        return false;
    t->ops->set_features(t, 1, 1u << (FEATURE_VERSION_1 - 32));
    t->ops->set_status(t, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
    return t->ops->status(t) & STATUS_FEATURES_OK;
}

static bool setup_queue(struct virtio_blk *d)
{
    hpa_t pa;
    if (mm_alloc_pages(sizeof(struct vq_mem) / PAGE_SIZE + 1, PAGE_SIZE, &pa) != 0)
        return false;
    d->vq = hpa_to_ptr(pa);
    memset(d->vq, 0, sizeof(*d->vq));
    if (d->t->ops->queue_max(d->t, 0) < QUEUE_SIZE)
        return false;
    return d->t->ops->queue_setup(d->t, 0, QUEUE_SIZE, (u64)(uintptr_t)d->vq->desc, (u64)(uintptr_t)&d->vq->avail,
                                  (u64)(uintptr_t)&d->vq->used);
}

BUILT_FOR_SIZE int virtio_blk_attach(struct virtio_transport *t)
{
    if (disk_count == MAX_VIRTIO_BLK)
        return -1;
    struct virtio_blk *d = &disks[disk_count];
    d->t = t;
    bool read_only = false;
    t->ops->set_status(t, 0);
    t->ops->set_status(t, STATUS_ACK | STATUS_DRIVER);
    if (!negotiate(d, &read_only) || !setup_queue(d)) {
        t->ops->set_status(t, STATUS_FAILED);
        pr_warn("virtio-blk at %#llx: initialisation failed", (unsigned long long)t->where);
        return -1;
    }
    irq_set_handler(t->irq, vblk_irq, d);
    irq_set_target(t->irq, 0);
    irq_enable(t->irq);
    t->ops->set_status(t, (u8)(t->ops->status(t) | STATUS_DRIVER_OK));
    u64 capacity = t->ops->config32(t, 0) | ((u64)t->ops->config32(t, 4) << 32);
    d->dev = (struct blockdev){.name = d->name, .sectors = capacity, .read_only = read_only,
                               .read = vblk_read, .write = vblk_write, .priv = d};
    str_copy(d->name, "virtio-blk0", sizeof(d->name));
    d->name[10] = (char)('0' + disk_count);
    disk_count++;
    blockdev_register(&d->dev);
    return 0;
}

/* ---- the virtio-mmio transport ---- */

struct virtio_mmio {
    struct virtio_transport t;
    u64 base;
};

static struct virtio_mmio mmio_devs[MAX_VIRTIO_BLK];
static unsigned mmio_count;

static inline struct virtio_mmio *mmio_of(struct virtio_transport *t) { return (struct virtio_mmio *)t; }
static inline u32 rd(struct virtio_mmio *m, u32 off) { return *(volatile u32 *)(uintptr_t)(m->base + off); }
static inline void wr(struct virtio_mmio *m, u32 off, u32 v) { *(volatile u32 *)(uintptr_t)(m->base + off) = v; }

static u32 mmio_features(struct virtio_transport *t, u32 word)
{
    wr(mmio_of(t), REG_DEVICE_FEATURES_SEL, word);
    return rd(mmio_of(t), REG_DEVICE_FEATURES);
}

static void mmio_set_features(struct virtio_transport *t, u32 word, u32 value)
{
    wr(mmio_of(t), REG_DRIVER_FEATURES_SEL, word);
    wr(mmio_of(t), REG_DRIVER_FEATURES, value);
}

static u8 mmio_status(struct virtio_transport *t) { return (u8)rd(mmio_of(t), REG_STATUS); }
static void mmio_set_status(struct virtio_transport *t, u8 status) { wr(mmio_of(t), REG_STATUS, status); }

static u16 mmio_queue_max(struct virtio_transport *t, u16 queue)
{
    wr(mmio_of(t), REG_QUEUE_SEL, queue);
    return (u16)MIN(rd(mmio_of(t), REG_QUEUE_NUM_MAX), 0xffffu);
}

static bool mmio_queue_setup(struct virtio_transport *t, u16 queue, u16 size, u64 desc, u64 avail, u64 used)
{
    struct virtio_mmio *m = mmio_of(t);
    wr(m, REG_QUEUE_SEL, queue);
    wr(m, REG_QUEUE_NUM, size);
    if (t->legacy) { /* the rings are one block from desc, the used ring page aligned */
        wr(m, REG_GUEST_PAGE_SIZE, PAGE_SIZE);
        wr(m, REG_QUEUE_ALIGN, PAGE_SIZE);
        wr(m, REG_QUEUE_PFN, (u32)(desc >> PAGE_SHIFT));
        return true;
    }
    wr(m, REG_QUEUE_DESC_LOW, (u32)desc);
    wr(m, REG_QUEUE_DESC_HIGH, (u32)(desc >> 32));
    wr(m, REG_QUEUE_DRIVER_LOW, (u32)avail);
    wr(m, REG_QUEUE_DRIVER_HIGH, (u32)(avail >> 32));
    wr(m, REG_QUEUE_DEVICE_LOW, (u32)used);
    wr(m, REG_QUEUE_DEVICE_HIGH, (u32)(used >> 32));
    wr(m, REG_QUEUE_READY, 1);
    return true;
}

static void mmio_notify(struct virtio_transport *t, u16 queue) { wr(mmio_of(t), REG_QUEUE_NOTIFY, queue); }
static u32 mmio_config32(struct virtio_transport *t, u32 offset) { return rd(mmio_of(t), REG_CONFIG + offset); }

static void mmio_ack_irq(struct virtio_transport *t)
{
    wr(mmio_of(t), REG_INTERRUPT_ACK, rd(mmio_of(t), REG_INTERRUPT_STATUS) & 3);
}

static const struct virtio_transport_ops mmio_ops = {
    .features = mmio_features,
    .set_features = mmio_set_features,
    .status = mmio_status,
    .set_status = mmio_set_status,
    .queue_max = mmio_queue_max,
    .queue_setup = mmio_queue_setup,
    .notify = mmio_notify,
    .config32 = mmio_config32,
    .ack_irq = mmio_ack_irq,
};

static void probe_one(const struct fdt *fdt, int node, u64 base)
{
    if (mmio_count == MAX_VIRTIO_BLK)
        return;
    struct virtio_mmio *m = &mmio_devs[mmio_count];
    m->base = base;
    if (rd(m, REG_MAGIC) != VIRTIO_MAGIC || rd(m, REG_DEVICE_ID) != DEVICE_ID_BLOCK)
        return;
    u32 version = rd(m, REG_VERSION);
    if (version != 1 && version != 2)
        return;
    /* Only now, for a block device: resolving an interrupt walks the tree, and a board has
     * many virtio-mmio slots (QEMU virt: 32), nearly all empty. */
    struct fdt_irq irq;
    if (!irq_from_fdt(fdt, node, 0, &irq) || irq.percpu) {
        pr_warn("virtio-blk at %#llx: no usable interrupt in the DTB", (unsigned long long)base);
        return;
    }
    /* A disk already given to a VM by passthrough (probing comes when the first user asks,
     * possibly after VMs were built) stays that VM's alone. */
    const struct dev_claim *held = dev_claim_find(base, 0x200);
    if (held && held->owner != DEVCLAIM_HYPERVISOR) {
        pr_info("virtio-blk at %#llx: given to a VM by passthrough; not probed", (unsigned long long)base);
        return;
    }
    m->t = (struct virtio_transport){.ops = &mmio_ops, .legacy = version == 1, .irq = irq.irq, .where = base};
    if (virtio_blk_attach(&m->t) != 0)
        return;
    dev_claim(base, 0x200, DEVCLAIM_HYPERVISOR, "hypervisor disk (virtio-blk)", NULL);
    mmio_count++;
}

/* Finds virtio-mmio block devices in the host DTB; interrupts must be routed to CPU 0, which
 * does the I/O at boot. */
BUILT_FOR_SIZE void virtio_blk_probe(const struct fdt *fdt)
{
    for (int n = fdt_find_compatible(fdt, -1, "virtio,mmio"); n >= 0; n = fdt_find_compatible(fdt, n, "virtio,mmio")) {
        u64 base;
        if (fdt_reg(fdt, n, 0, &base, NULL))
            probe_one(fdt, n, base);
    }
}
