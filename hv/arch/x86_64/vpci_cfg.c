/* PCI configuration mechanism #1 (<arch/vpci_cfg.h>). Facts: the PCI Local Bus specification
 * 3.0, 3.2.2.3.2 (CONFIG_ADDRESS: enable bit 31, bus 23:16, device 15:11, function 10:8,
 * register 7:2) and 6.1 (the type 0 header); the reset control register of Intel's ICH/PIIX
 * at 0xCF9 (bit 1 hard reset, bit 2 reset CPU). */
#include <arch/vpci_cfg.h>
#include <lib/string.h>

#define ADDR_ENABLE (1u << 31)
#define RST_CPU 0x04
#define HOST_BRIDGE_CLASS 0x06000000u /* class 06 (bridge), subclass 00 (host), prog-if 00; revision 0 */

void vpci_cfg_init(struct vpci_cfg *p) { memset(p, 0, sizeof(*p)); }

static u32 config_dword(u32 address)
{
    u32 bdf = (address >> 8) & 0xffff, reg = address & 0xfc;
    if (!(address & ADDR_ENABLE) || bdf != 0)
        return 0xffffffffu; /* no function there */
    switch (reg) {
    case 0x00: return VPCI_HOST_VENDOR | (VPCI_HOST_DEVICE << 16);
    case 0x08: return HOST_BRIDGE_CLASS;
    case 0x2c: return VPCI_HOST_VENDOR | (0x1100u << 16); /* subsystem: QEMU's */
    default: return 0; /* command, status, header type 0, no BARs, no capabilities, no interrupt */
    }
}

u32 vpci_cfg_read(struct vpci_cfg *p, u32 off, u8 width)
{
    u32 mask = width == 4 ? 0xffffffffu : width == 2 ? 0xffffu : 0xffu;
    if (off == 1 && width == 1)
        return p->reset_control;
    if (off < 4)
        return (p->address >> (8 * off)) & mask;
    return (config_dword(p->address) >> (8 * (off - 4))) & mask;
}

bool vpci_cfg_write(struct vpci_cfg *p, u32 off, u8 width, u32 v)
{
    if (off == 0 && width == 4) {
        p->address = v & 0x80fffffcu;
    } else if (off == 1 && width == 1) {
        p->reset_control = (u8)(v & 0x0e);
        return v & RST_CPU;
    }
    return false; /* the host bridge's registers are read-only; byte writes to 0xCF8/0xCFA/0xCFB do nothing */
}
