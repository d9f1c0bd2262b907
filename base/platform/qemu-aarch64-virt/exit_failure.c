/* QEMU virt: powering off with a failure status. A PSCI SYSTEM_OFF always makes QEMU exit 0, so
 * a run that failed (no VM could be started, a panic) reports through QEMU's pvpanic PCI device:
 * the platform's QEMU line (platform.mk) adds it with `-action panic=exit-failure`, and QEMU
 * then exits with status 1. The device sits on the PCIe host bridge, found in the host DTB; its
 * BAR is assigned here, at the start of the bridge's 32-bit memory window. Without the device
 * (another QEMU command line) this is a plain power-off. Not semihosting: QEMU would then serve
 * semihosting calls from the guests' EL1 too (host files, exit), past the hypervisor. */
#include <arch/sysreg.h>
#include <base/platform.h>
#include <lib/fdt.h>

#define PCI_VENDOR_REDHAT 0x1b36u
#define PCI_DEVICE_PVPANIC 0x0011u
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2u
#define PCI_BAR0 0x10
#define PCI_SLOTS 32
#define ECAM_SLOT_SIZE 0x8000u /* bus 0, one device: 8 functions x 4 KiB */
#define PVPANIC_PANICKED 0x1u
#define RANGES_MEM32 0x02000000u /* ranges: phys.hi space code of 32-bit memory */

static u32 be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }

/* The bridge's 32-bit memory window (CPU address), from its ranges: (3 bus, 2 CPU, 2 size) cells. */
static bool mem32_window(const struct fdt *f, int bridge, u64 *base, u64 *size)
{
    size_t len;
    const u8 *r = fdt_prop(f, bridge, "ranges", &len);
    for (size_t off = 0; r && off + 28 <= len; off += 28) {
        if ((be32(r + off) & 0x03000000u) != RANGES_MEM32)
            continue;
        *base = (u64)be32(r + off + 12) << 32 | be32(r + off + 16);
        *size = (u64)be32(r + off + 20) << 32 | be32(r + off + 24);
        return *size >= 0x1000 && *base + *size <= 0x100000000ull;
    }
    return false;
}

static volatile u32 *cfg32(u64 ecam, u32 slot, u32 off) { return (volatile u32 *)(uintptr_t)(ecam + slot * ECAM_SLOT_SIZE + off); }

/* Found at boot (from the host DTB), so that powering off with a failure needs nothing else. */
static u64 ecam_base, window_base;

void platform_init_devices(const struct fdt *f)
{
    int bridge = fdt_find_compatible(f, -1, "pci-host-ecam-generic");
    u64 ecam, win, win_size;
    /* The ECAM and the window lie in the board's device ranges, which the base maps. */
    if (bridge >= 0 && fdt_reg(f, bridge, 0, &ecam, NULL) && mem32_window(f, bridge, &win, &win_size)) {
        ecam_base = ecam;
        window_base = win;
    }
}

void platform_poweroff_failure(void)
{
    for (u32 slot = 0; ecam_base && slot < PCI_SLOTS; slot++) {
        if (*cfg32(ecam_base, slot, 0) != (PCI_DEVICE_PVPANIC << 16 | PCI_VENDOR_REDHAT))
            continue;
        *cfg32(ecam_base, slot, PCI_BAR0) = (u32)window_base;
        *cfg32(ecam_base, slot, PCI_COMMAND) |= PCI_COMMAND_MEMORY;
        dsb(sy);
        *(volatile u8 *)(uintptr_t)window_base = PVPANIC_PANICKED;
        dsb(sy);
        break;
    }
    platform_poweroff(); /* no pvpanic device (or QEMU still running): power off all the same */
}
