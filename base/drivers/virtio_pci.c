/* The virtio-pci transport, modern interface (virtio 1.2, section 4.1): the common, notify and
 * device configuration structures found through the vendor capabilities in the BARs (which the
 * machine description mapped), one MSI-X vector per device for its queue (q35 routes legacy
 * INTx through ACPI methods the base does not interpret). Transitional devices (ids 0x1000-
 * 0x103f) are driven through the same modern interface. */
#include <arch/cpu.h>
#include <base/devclaim.h>
#include <base/log.h>
#include <drivers/pci.h>
#include <drivers/virtio.h>
#include <drivers/virtio_pci.h>
#include <drivers/virtio_pci_caps.h>

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_MODERN_BASE 0x1040
#define VIRTIO_PCI_TRANSITIONAL_FIRST 0x1000
#define VIRTIO_PCI_TRANSITIONAL_LAST 0x103f

/* struct virtio_pci_common_cfg */
#define COMMON_DFSELECT 0x00
#define COMMON_DF 0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF 0x0c
#define COMMON_MSIX 0x10
#define COMMON_STATUS 0x14
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE 0x18
#define COMMON_Q_MSIX 0x1a
#define COMMON_Q_ENABLE 0x1c
#define COMMON_Q_NOFF 0x1e
#define COMMON_Q_DESCLO 0x20
#define COMMON_Q_DESCHI 0x24
#define COMMON_Q_AVAILLO 0x28
#define COMMON_Q_AVAILHI 0x2c
#define COMMON_Q_USEDLO 0x30
#define COMMON_Q_USEDHI 0x34
#define NO_VECTOR 0xffff

/* MSI-X message control: function mask bit 14, enable bit 15; a table entry: address low, high,
 * data, control. */
#define MSIX_ENABLE (1u << 15)
#define MSIX_FUNCTION_MASK (1u << 14)
#define RESET_POLLS 100000
#define MAX_VIRTIO_PCI 4
#define MAX_QUEUES 1 /* virtio-blk: one request queue */

struct virtio_pci {
    struct virtio_transport t;
    const struct pci_dev *pci;
    struct virtio_pci_layout l;
    u64 queue_notify[MAX_QUEUES]; /* each queue's notify address, checked when it is set up */
};

static struct virtio_pci devs[MAX_VIRTIO_PCI];
static unsigned dev_count;

static inline struct virtio_pci *vp(struct virtio_transport *t) { return (struct virtio_pci *)t; }
static inline volatile u8 *r8(u64 a) { return (volatile u8 *)(uintptr_t)a; }
static inline volatile u16 *r16(u64 a) { return (volatile u16 *)(uintptr_t)a; }
static inline volatile u32 *r32(u64 a) { return (volatile u32 *)(uintptr_t)a; }

static u32 pci_features(struct virtio_transport *t, u32 word)
{
    *r32(vp(t)->l.common + COMMON_DFSELECT) = word;
    return *r32(vp(t)->l.common + COMMON_DF);
}

static void pci_set_features(struct virtio_transport *t, u32 word, u32 value)
{
    *r32(vp(t)->l.common + COMMON_GFSELECT) = word;
    *r32(vp(t)->l.common + COMMON_GF) = value;
}

static u8 pci_status(struct virtio_transport *t) { return *r8(vp(t)->l.common + COMMON_STATUS); }

static void pci_set_status(struct virtio_transport *t, u8 status)
{
    *r8(vp(t)->l.common + COMMON_STATUS) = status;
    for (int i = 0; status == 0 && *r8(vp(t)->l.common + COMMON_STATUS) != 0 && i < RESET_POLLS; i++)
        arch_cpu_relax(); /* a reset completes when the status reads back 0 */
}

static u16 pci_queue_max(struct virtio_transport *t, u16 queue)
{
    *r16(vp(t)->l.common + COMMON_Q_SELECT) = queue;
    return *r16(vp(t)->l.common + COMMON_Q_SIZE);
}

static bool pci_queue_setup(struct virtio_transport *t, u16 queue, u16 size, u64 desc, u64 avail, u64 used)
{
    u64 c = vp(t)->l.common;
    if (queue >= ARRAY_SIZE(vp(t)->queue_notify))
        return false;
    *r16(c + COMMON_Q_SELECT) = queue;
    if (!virtio_pci_queue_notify_addr(&vp(t)->l, *r16(c + COMMON_Q_NOFF), &vp(t)->queue_notify[queue]))
        return false; /* the device's notify offset lies outside its notify structure */
    *r16(c + COMMON_Q_SIZE) = size;
    *r32(c + COMMON_Q_DESCLO) = (u32)desc;
    *r32(c + COMMON_Q_DESCHI) = (u32)(desc >> 32);
    *r32(c + COMMON_Q_AVAILLO) = (u32)avail;
    *r32(c + COMMON_Q_AVAILHI) = (u32)(avail >> 32);
    *r32(c + COMMON_Q_USEDLO) = (u32)used;
    *r32(c + COMMON_Q_USEDHI) = (u32)(used >> 32);
    *r16(c + COMMON_Q_MSIX) = 0; /* MSI-X table entry 0 */
    if (*r16(c + COMMON_Q_MSIX) != 0)
        return false; /* the device refused the vector */
    *r16(c + COMMON_Q_ENABLE) = 1;
    return true;
}

static void pci_notify(struct virtio_transport *t, u16 queue)
{
    if (queue < ARRAY_SIZE(vp(t)->queue_notify) && vp(t)->queue_notify[queue])
        *r16(vp(t)->queue_notify[queue]) = queue;
}

static u32 pci_config32(struct virtio_transport *t, u32 offset) { return *r32(vp(t)->l.device + offset); }
static void pci_ack_irq(struct virtio_transport *t) { (void)t; } /* MSI-X: nothing to acknowledge */

static const struct virtio_transport_ops pci_ops = {
    .features = pci_features,
    .set_features = pci_set_features,
    .status = pci_status,
    .set_status = pci_set_status,
    .queue_max = pci_queue_max,
    .queue_setup = pci_queue_setup,
    .notify = pci_notify,
    .config32 = pci_config32,
    .ack_irq = pci_ack_irq,
};

/* One MSI-X vector (table entry 0) to CPU 0; the function's other entries stay masked. */
static bool setup_msix(struct virtio_pci *d)
{
    const struct pci_dev *p = d->pci;
    u64 address;
    u32 data;
    if (irq_msi_alloc(0, &d->t.irq, &address, &data) != 0)
        return false;
    u64 entry = d->l.msix_table;
    *r32(entry + 0) = (u32)address;
    *r32(entry + 4) = (u32)(address >> 32);
    *r32(entry + 8) = data;
    *r32(entry + 12) = 0; /* unmasked */
    u16 control = (u16)(d->l.msix_cap + PCI_MSIX_CONTROL), ctl = pci_read16(p, control);
    pci_write16(p, control, (u16)((ctl | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK));
    return true;
}

static void probe_one(const struct pci_dev *p)
{
    u16 type = p->device >= VIRTIO_PCI_MODERN_BASE ? (u16)(p->device - VIRTIO_PCI_MODERN_BASE)
                                                   : pci_read16(p, PCI_SUBSYSTEM_ID);
    if (type != VIRTIO_ID_BLOCK || dev_count == MAX_VIRTIO_PCI)
        return;
    struct virtio_pci *d = &devs[dev_count];
    *d = (struct virtio_pci){.pci = p};
    d->t = (struct virtio_transport){.ops = &pci_ops, .where = (u64)p->bus << 8 | (u64)p->dev << 3 | p->fn};
    u8 cfg[PCI_CFG_STD_BYTES];
    for (u16 off = 0; off < PCI_CFG_STD_BYTES; off += 4) {
        u32 v = pci_read32(p, off);
        for (unsigned i = 0; i < 4; i++)
            cfg[off + i] = (u8)(v >> 8 * i);
    }
    const char *why = virtio_pci_parse(cfg, p->bar, &d->l);
    if (why) {
        pr_warn("virtio-pci %02x:%02x.%u: %s; device ignored", p->bus, p->dev, p->fn, why);
        return;
    }
    pci_write16(p, PCI_COMMAND, (u16)(pci_read16(p, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                      PCI_COMMAND_INTX_DISABLE));
    if (!setup_msix(d)) {
        pr_warn("virtio-pci %02x:%02x.%u: no MSI-X vector", p->bus, p->dev, p->fn);
        return;
    }
    *r16(d->l.common + COMMON_MSIX) = NO_VECTOR; /* no configuration-change interrupt */
    if (virtio_blk_attach(&d->t) != 0)
        return;
    dev_count++;
    for (unsigned b = 0; b < PCI_BARS; b++)
        if (!p->bar[b].io && p->bar[b].size)
            dev_claim(p->bar[b].base, p->bar[b].size, DEVCLAIM_HYPERVISOR, "hypervisor disk (virtio-pci)", NULL);
}

void virtio_pci_probe(void)
{
    for (unsigned i = 0; i < pci_device_count(); i++) {
        const struct pci_dev *p = pci_device(i);
        if (p->vendor == VIRTIO_PCI_VENDOR &&
            (p->device >= VIRTIO_PCI_MODERN_BASE ||
             (p->device >= VIRTIO_PCI_TRANSITIONAL_FIRST && p->device <= VIRTIO_PCI_TRANSITIONAL_LAST)))
            probe_one(p);
    }
}
