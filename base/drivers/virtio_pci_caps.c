/* The virtio-pci capability parser (virtio 1.2, 4.1.4): pure, over a copy of configuration space. */
#include <drivers/virtio_pci_caps.h>

/* 48 capabilities of 4 bytes fill the 192 bytes after the header: a longer walk is a loop. */
#define PCI_CFG_MAX_CAPS 48

static u16 cfg16(const u8 *cfg, unsigned off) { return (u16)(cfg[off] | cfg[off + 1] << 8); }
static u32 cfg32(const u8 *cfg, unsigned off) { return cfg16(cfg, off) | (u32)cfg16(cfg, off + 2) << 16; }

u8 pci_cfg_find_capability(const u8 cfg[PCI_CFG_STD_BYTES], u8 cap, u8 from)
{
    if (!(cfg16(cfg, PCI_STATUS) & PCI_STATUS_CAPABILITIES))
        return 0;
    u8 at = from ? cfg[(u8)(from + 1)] : cfg[PCI_CAPABILITIES];
    for (int i = 0; i < PCI_CFG_MAX_CAPS && at >= 0x40; i++) {
        at &= 0xfc;
        if (cfg[at] == cap)
            return at;
        at = cfg[at + 1];
    }
    return 0;
}

/* The address of the structure a vendor capability names, if it lies inside a memory BAR. */
static bool structure(const u8 *cfg, u8 cap, const struct pci_bar *bar, u32 min_len, u64 *addr, u64 *len)
{
    u8 b = cfg[cap + VIRTIO_PCI_CAP_BAR];
    u32 off = cfg32(cfg, cap + VIRTIO_PCI_CAP_OFFSET), n = cfg32(cfg, cap + VIRTIO_PCI_CAP_LENGTH);
    if (cfg[cap + 2] < VIRTIO_PCI_CAP_MIN_LEN || b >= PCI_BARS || bar[b].io || !bar[b].base || !bar[b].size ||
        n < min_len || off > bar[b].size || n > bar[b].size - off)
        return false;
    *addr = bar[b].base + off;
    if (len)
        *len = n;
    return true;
}

const char *virtio_pci_parse(const u8 cfg[PCI_CFG_STD_BYTES], const struct pci_bar bar[PCI_BARS],
                             struct virtio_pci_layout *out)
{
    bool common = false, notify = false, device = false;
    int walked = 0;
    *out = (struct virtio_pci_layout){0};
    /* A capability too close to the end of the standard space to hold its fields is skipped
     * rather than read past the copy. */
    for (u8 cap = pci_cfg_find_capability(cfg, PCI_CAP_VENDOR, 0); cap && walked++ < PCI_CFG_MAX_CAPS;
         cap = pci_cfg_find_capability(cfg, PCI_CAP_VENDOR, cap)) {
        if (cap > PCI_CFG_STD_BYTES - VIRTIO_PCI_CAP_MIN_LEN)
            continue;
        u8 type = cfg[cap + VIRTIO_PCI_CAP_CFG_TYPE];
        if (type == VIRTIO_PCI_CFG_COMMON && !common)
            common = structure(cfg, cap, bar, VIRTIO_PCI_COMMON_SIZE, &out->common, NULL);
        else if (type == VIRTIO_PCI_CFG_NOTIFY && !notify && cap <= PCI_CFG_STD_BYTES - VIRTIO_PCI_NOTIFY_CAP_MIN_LEN &&
                 cfg[cap + 2] >= VIRTIO_PCI_NOTIFY_CAP_MIN_LEN) {
            notify = structure(cfg, cap, bar, 2, &out->notify, &out->notify_len);
            out->notify_multiplier = cfg32(cfg, cap + VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER);
        } else if (type == VIRTIO_PCI_CFG_DEVICE && !device)
            device = structure(cfg, cap, bar, 8, &out->device, &out->device_len);
    }
    if (!common)
        return "no usable common configuration structure";
    if (!notify)
        return "no usable notify structure";
    if (!device)
        return "no usable device configuration structure";
    u8 msix = pci_cfg_find_capability(cfg, PCI_CAP_MSIX, 0);
    if (!msix || msix > PCI_CFG_STD_BYTES - 8)
        return "no MSI-X capability";
    u32 table = cfg32(cfg, msix + PCI_MSIX_TABLE);
    const struct pci_bar *tb = &bar[table & 7];
    if ((table & 7) >= PCI_BARS || tb->io || !tb->base || tb->size < PCI_MSIX_ENTRY_BYTES ||
        (table & ~7u) > tb->size - PCI_MSIX_ENTRY_BYTES)
        return "MSI-X table outside a memory BAR";
    out->msix_cap = msix;
    out->msix_table = tb->base + (table & ~7u);
    return NULL;
}

bool virtio_pci_queue_notify_addr(const struct virtio_pci_layout *l, u16 off, u64 *addr)
{
    u64 at = (u64)off * l->notify_multiplier;
    if (l->notify_len < 2 || at > l->notify_len - 2)
        return false;
    *addr = l->notify + at;
    return true;
}
