/* virtio-blk over virtio-mmio (virtio 1.2, section 4.2), both the modern (version 2) and the
 * legacy (version 1, QEMU's default for virtio-mmio) register layouts. One request at a time:
 * a three-descriptor chain (header, data, status), completion by interrupt. Large transfers are
 * single requests of up to REQUEST_MAX bytes, so loading a guest image costs few exits of the
 * emulator rather than one per sector. */
#include <arch/cpu.h>
#include <arch/spinlock.h>
#include <base/blockdev.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
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

#define STATUS_ACK 1u
#define STATUS_DRIVER 2u
#define STATUS_DRIVER_OK 4u
#define STATUS_FEATURES_OK 8u
#define STATUS_FAILED 128u
#define FEATURE_VERSION_1 32 /* bit number */
#define FEATURE_BLK_RO 5

#define DEVICE_ID_BLOCK 2
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
    u64 base;
    u32 intid;
    u32 version;
    struct vq_mem *vq; /* two pages from the page allocator */
    u16 last_used;
    spinlock_t lock;
};

static struct virtio_blk disks[MAX_VIRTIO_BLK];
static unsigned disk_count;

static inline u32 rd(struct virtio_blk *d, u32 off) { return *(volatile u32 *)(uintptr_t)(d->base + off); }
static inline void wr(struct virtio_blk *d, u32 off, u32 v) { *(volatile u32 *)(uintptr_t)(d->base + off) = v; }

static void vblk_irq(u32 intid, void *arg)
{
    (void)intid;
    struct virtio_blk *d = arg;
    wr(d, REG_INTERRUPT_ACK, rd(d, REG_INTERRUPT_STATUS) & 3);
}

/* Sleeps until the device has consumed the request: WFI with interrupts masked still wakes on
 * the completion interrupt, which is then taken (and acknowledged) by unmasking briefly. */
static void wait_used(struct virtio_blk *d)
{
    while (__atomic_load_n(&d->vq->used.idx, __ATOMIC_ACQUIRE) == d->last_used) {
        arch_wait_for_interrupt();
        local_irq_enable();
        local_irq_disable();
    }
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
    wr(d, REG_QUEUE_NOTIFY, 0);
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
    wr(d, REG_DEVICE_FEATURES_SEL, 0);
    u32 lo = rd(d, REG_DEVICE_FEATURES);
    *read_only = lo & (1u << FEATURE_BLK_RO);
    wr(d, REG_DRIVER_FEATURES_SEL, 0);
    wr(d, REG_DRIVER_FEATURES, lo & (1u << FEATURE_BLK_RO));
    if (d->version == 1)
        return true;
    wr(d, REG_DEVICE_FEATURES_SEL, 1);
    u32 hi = rd(d, REG_DEVICE_FEATURES);
    if (!(hi & (1u << (FEATURE_VERSION_1 - 32))))
        return false;
    wr(d, REG_DRIVER_FEATURES_SEL, 1);
    wr(d, REG_DRIVER_FEATURES, 1u << (FEATURE_VERSION_1 - 32));
    wr(d, REG_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
    return rd(d, REG_STATUS) & STATUS_FEATURES_OK;
}

static bool setup_queue(struct virtio_blk *d)
{
    hpa_t pa;
    if (mm_alloc_pages(sizeof(struct vq_mem) / PAGE_SIZE + 1, PAGE_SIZE, &pa) != 0)
        return false;
    d->vq = hpa_to_ptr(pa);
    memset(d->vq, 0, sizeof(*d->vq));
    wr(d, REG_QUEUE_SEL, 0);
    if (rd(d, REG_QUEUE_NUM_MAX) < QUEUE_SIZE)
        return false;
    wr(d, REG_QUEUE_NUM, QUEUE_SIZE);
    u64 desc = (u64)(uintptr_t)d->vq->desc, avail = (u64)(uintptr_t)&d->vq->avail,
        used = (u64)(uintptr_t)&d->vq->used;
    if (d->version == 1) {
        wr(d, REG_GUEST_PAGE_SIZE, PAGE_SIZE);
        wr(d, REG_QUEUE_ALIGN, PAGE_SIZE);
        wr(d, REG_QUEUE_PFN, (u32)(desc >> PAGE_SHIFT));
    } else {
        wr(d, REG_QUEUE_DESC_LOW, (u32)desc);
        wr(d, REG_QUEUE_DESC_HIGH, (u32)(desc >> 32));
        wr(d, REG_QUEUE_DRIVER_LOW, (u32)avail);
        wr(d, REG_QUEUE_DRIVER_HIGH, (u32)(avail >> 32));
        wr(d, REG_QUEUE_DEVICE_LOW, (u32)used);
        wr(d, REG_QUEUE_DEVICE_HIGH, (u32)(used >> 32));
        wr(d, REG_QUEUE_READY, 1);
    }
    return true;
}

static void probe_one(const struct fdt *fdt, int node, u64 base)
{
    if (disk_count == MAX_VIRTIO_BLK)
        return;
    struct virtio_blk *d = &disks[disk_count];
    d->base = base;
    if (rd(d, REG_MAGIC) != VIRTIO_MAGIC || rd(d, REG_DEVICE_ID) != DEVICE_ID_BLOCK)
        return;
    d->version = rd(d, REG_VERSION);
    if (d->version != 1 && d->version != 2)
        return;
    /* Only now, for a block device: resolving an interrupt walks the tree, and a board has
     * many virtio-mmio slots (QEMU virt: 32), nearly all empty. */
    struct fdt_irq irq;
    if (!irq_from_fdt(fdt, node, 0, &irq) || irq.percpu) {
        pr_warn("virtio-blk at %#llx: no usable interrupt in the DTB", (unsigned long long)base);
        return;
    }
    u32 intid = irq.irq;
    bool read_only = false;
    wr(d, REG_STATUS, 0);
    wr(d, REG_STATUS, STATUS_ACK | STATUS_DRIVER);
    if (!negotiate(d, &read_only) || !setup_queue(d)) {
        wr(d, REG_STATUS, STATUS_FAILED);
        pr_warn("virtio-blk at %#llx: initialisation failed", (unsigned long long)base);
        return;
    }
    d->intid = intid;
    dev_claim(base, 0x200, DEVCLAIM_HYPERVISOR, "hypervisor disk (virtio-blk)", NULL);
    irq_set_handler(intid, vblk_irq, d);
    irq_set_target(intid, 0);
    irq_enable(intid);
    wr(d, REG_STATUS, rd(d, REG_STATUS) | STATUS_DRIVER_OK);
    u64 capacity = rd(d, REG_CONFIG) | ((u64)rd(d, REG_CONFIG + 4) << 32);
    d->dev = (struct blockdev){.name = d->name, .sectors = capacity, .read_only = read_only,
                               .read = vblk_read, .write = vblk_write, .priv = d};
    str_copy(d->name, "virtio-blk0", sizeof(d->name));
    d->name[10] = (char)('0' + disk_count);
    disk_count++;
    blockdev_register(&d->dev);
}

/* Finds virtio-mmio block devices in the host DTB; interrupts must be routed to CPU 0, which
 * does the I/O at boot. */
void virtio_blk_probe(const struct fdt *fdt)
{
    for (int n = fdt_find_compatible(fdt, -1, "virtio,mmio"); n >= 0; n = fdt_find_compatible(fdt, n, "virtio,mmio")) {
        u64 base;
        if (fdt_reg(fdt, n, 0, &base, NULL))
            probe_one(fdt, n, base);
    }
}
