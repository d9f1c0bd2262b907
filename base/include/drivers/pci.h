/* PCI (Express) configuration space through ECAM, and the devices found on it at boot. The
 * machine description (ACPI's MCFG on x86) gives the ECAM window; pci_scan walks the buses from
 * the window's first one, following bridges, and records each function with its memory and I/O
 * BARs (sized once, decoding off meanwhile), so that the base can map the BARs before drivers
 * probe. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <lib/types.h>

#define PCI_MAX_DEVICES 32
#define PCI_BARS 6

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITIES 0x34
#define PCI_SECONDARY_BUS 0x19
#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAPABILITIES (1u << 4)
#define PCI_CAP_MSIX 0x11
#define PCI_CAP_VENDOR 0x09

struct pci_bar {
    u64 base, size; /* size 0: no BAR here */
    bool io;        /* an I/O-port BAR (else memory) */
};

struct pci_dev {
    u8 bus, dev, fn;
    u16 vendor, device;
    u32 class_code; /* class, subclass, programming interface (bits 23-0) */
    struct pci_bar bar[PCI_BARS];
};

/* The ECAM window of segment 0: base is the address of bus 0 (as ACPI's MCFG gives it). */
void pci_ecam_init(u64 base, u8 bus_start, u8 bus_end);
/* Walks the buses (once); returns how many functions were found. */
unsigned pci_scan(void);
unsigned pci_device_count(void);
const struct pci_dev *pci_device(unsigned i);

u8 pci_read8(const struct pci_dev *d, u16 off);
u16 pci_read16(const struct pci_dev *d, u16 off);
u32 pci_read32(const struct pci_dev *d, u16 off);
void pci_write16(const struct pci_dev *d, u16 off, u16 v);
void pci_write32(const struct pci_dev *d, u16 off, u32 v);
/* The capabilities are parsed from a copy of configuration space: <drivers/virtio_pci_caps.h>. */

#endif
