/* PCI configuration mechanism #1 of a VM (CONFIG_ADDRESS at port 0xCF8, CONFIG_DATA at
 * 0xCFC-0xCFF): a bus 0 holding only its host bridge at 00:00.0 (so that an OS's sanity check
 * of the mechanism passes), read-only; every other function reads all ones. Port 0xCF9, inside
 * the same range, is the chipset's reset control register (a byte access): the caller resets
 * the VM when vpci_cfg_write says so. Pure logic (host-tested). */
#ifndef ARCH_VPCI_CFG_H
#define ARCH_VPCI_CFG_H

#include <lib/types.h>

#define VPCI_CFG_PORT 0xcf8u
#define VPCI_CFG_PORTS 8u
#define VPCI_HOST_VENDOR 0x1b36u /* Red Hat's id for virtual hardware: QEMU's PCIe host bridge */
#define VPCI_HOST_DEVICE 0x0008u

struct vpci_cfg {
    u32 address;
    u8 reset_control;
};

void vpci_cfg_init(struct vpci_cfg *p);
/* offset: port - 0xCF8; width 1, 2 or 4. */
u32 vpci_cfg_read(struct vpci_cfg *p, u32 offset, u8 width);
/* Returns true when the write asks for a reset (0xCF9 with RST_CPU set). */
bool vpci_cfg_write(struct vpci_cfg *p, u32 offset, u8 width, u32 value);

#endif
