/* PCI configuration space over ECAM (4 KiB per function at base + bus << 20 | dev << 15 |
 * fn << 12) and the boot-time walk of the buses. */
#include <base/log.h>
#include <drivers/pci.h>

static u64 ecam_base;
static u8 first_bus, last_bus;
static struct pci_dev devices[PCI_MAX_DEVICES];
static unsigned device_count;
static bool bus_seen[256];

void pci_ecam_init(u64 base, u8 bus_start, u8 bus_end)
{
    ecam_base = base;
    first_bus = bus_start;
    last_bus = bus_end;
}

static volatile void *cfg(u8 bus, u8 dev, u8 fn, u16 off)
{
    return (volatile void *)(uintptr_t)(ecam_base + ((u64)bus << 20 | (u64)dev << 15 | (u64)fn << 12 | (off & 0xfff)));
}

static u32 rd32(u8 bus, u8 dev, u8 fn, u16 off) { return *(volatile u32 *)cfg(bus, dev, fn, off); }
static void wr32(u8 bus, u8 dev, u8 fn, u16 off, u32 v) { *(volatile u32 *)cfg(bus, dev, fn, off) = v; }

u8 pci_read8(const struct pci_dev *d, u16 off) { return *(volatile u8 *)cfg(d->bus, d->dev, d->fn, off); }
u16 pci_read16(const struct pci_dev *d, u16 off) { return *(volatile u16 *)cfg(d->bus, d->dev, d->fn, off); }
u32 pci_read32(const struct pci_dev *d, u16 off) { return rd32(d->bus, d->dev, d->fn, off); }
void pci_write16(const struct pci_dev *d, u16 off, u16 v) { *(volatile u16 *)cfg(d->bus, d->dev, d->fn, off) = v; }
void pci_write32(const struct pci_dev *d, u16 off, u32 v) { wr32(d->bus, d->dev, d->fn, off, v); }

/* Sizes the BARs of a function (type 0 header: 6, bridge: 2) with decoding off meanwhile. */
static void size_bars(struct pci_dev *d, unsigned bars)
{
    u16 cmd = pci_read16(d, PCI_COMMAND);
    pci_write16(d, PCI_COMMAND, cmd & (u16) ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (unsigned i = 0; i < bars; i++) {
        u16 off = (u16)(PCI_BAR0 + 4 * i);
        u32 orig = pci_read32(d, off);
        pci_write32(d, off, 0xffffffffu);
        u32 mask = pci_read32(d, off);
        pci_write32(d, off, orig);
        if (orig & 1) { /* I/O */
            u32 m = mask & ~3u;
            d->bar[i] = (struct pci_bar){orig & ~3u, m ? (~m & 0xffff) + 1 : 0, true};
            continue;
        }
        u64 base = orig & ~0xfull, m = mask & ~0xfull;
        if (((orig >> 1) & 3) == 2 && i + 1 < bars) { /* 64-bit: the next BAR is the high half */
            u16 hi_off = (u16)(off + 4);
            u32 hi = pci_read32(d, hi_off);
            pci_write32(d, hi_off, 0xffffffffu);
            m |= (u64)pci_read32(d, hi_off) << 32;
            pci_write32(d, hi_off, hi);
            base |= (u64)hi << 32;
            d->bar[i] = (struct pci_bar){base, m ? ~m + 1 : 0, false};
            i++;
        } else {
            d->bar[i] = (struct pci_bar){base, m ? (~m & 0xffffffffull) + 1 : 0, false};
        }
    }
    pci_write16(d, PCI_COMMAND, cmd);
}

static void scan_bus(u8 bus)
{
    if (bus < first_bus || bus > last_bus || bus_seen[bus])
        return;
    bus_seen[bus] = true;
    for (u8 dev = 0; dev < 32; dev++) {
        u8 fns = 1;
        for (u8 fn = 0; fn < fns; fn++) {
            u32 id = rd32(bus, dev, fn, PCI_VENDOR_ID);
            if ((id & 0xffff) == 0xffff)
                continue;
            u8 header = (u8)(rd32(bus, dev, fn, PCI_HEADER_TYPE & ~3u) >> 16);
            if (fn == 0 && (header & 0x80))
                fns = 8;
            if (device_count == PCI_MAX_DEVICES) {
                pr_warn("pci: more than %u functions; %02x:%02x.%u and later ignored", PCI_MAX_DEVICES, bus, dev, fn);
                return;
            }
            struct pci_dev *d = &devices[device_count++];
            *d = (struct pci_dev){.bus = bus, .dev = dev, .fn = fn, .vendor = (u16)id, .device = (u16)(id >> 16),
                                  .class_code = rd32(bus, dev, fn, PCI_CLASS_REVISION) >> 8};
            size_bars(d, (header & 0x7f) == 0 ? 6 : (header & 0x7f) == 1 ? 2 : 0);
            if ((header & 0x7f) == 1) /* a PCI-to-PCI bridge: its secondary bus */
                scan_bus((u8)(rd32(bus, dev, fn, PCI_SECONDARY_BUS & ~3u) >> 8));
        }
    }
}

unsigned pci_scan(void)
{
    if (ecam_base && !device_count)
        scan_bus(first_bus);
    return device_count;
}

unsigned pci_device_count(void) { return device_count; }
const struct pci_dev *pci_device(unsigned i) { return i < device_count ? &devices[i] : NULL; }
