/* The machine description of an x86 machine, which has no device tree: RAM from the multiboot
 * loader's memory map, and from ACPI the CPUs and I/O APICs (MADT), the power-management ports
 * (FADT, and \_S5 in the DSDT) and the PCI configuration window (MCFG); the PCI walk adds the
 * devices' memory BARs to what the base maps. The drivers (local and I/O APICs, PCI, power) are
 * told where their hardware is on the way. */
#include <arch/acpi_power.h>
#include <arch/asm_offsets.h>
#include <arch/x86_cpu.h>
#include <base/log.h>
#include <base/machine.h>
#include <base/platform.h>
#include <drivers/apic.h>
#include <drivers/ioapic.h>
#include <drivers/lapic.h>
#include <drivers/pci.h>
#include <lib/acpi.h>
#include <lib/multiboot.h>

#define LOW_MEMORY MiB(1)          /* the firmware's below this (BIOS data, EBDA, ROMs) */
#define BOOT_MAP_LIMIT GiB(4)      /* boot.S's identity map: what can be read before mm_init */
#define BIOS_AREA 0xe0000ull       /* the RSDP is in the EBDA's first KiB or in 0xe0000-0xfffff */
#define BIOS_AREA_SIZE 0x20000ull
#define EBDA_SEGMENT_PTR 0x40e

static struct machine machine;
static char cmdline[256]; /* a copy: the loader's string lies in memory the base hands out */

static const void *identity_map(void *ctx, u64 pa, u64 len)
{
    (void)ctx;
    return pa + len <= BOOT_MAP_LIMIT && pa + len > pa ? (const void *)(uintptr_t)pa : NULL;
}
static const struct acpi_mem boot_mem = {identity_map, NULL};

static bool in_board_ranges(u64 base, u64 size)
{
    for (size_t i = 0; i < platform_device_range_count; i++)
        if (range_contains(platform_device_ranges[i].base, platform_device_ranges[i].size, base, size))
            return true;
    return false;
}

static void add_device(u64 base, u64 size)
{
    if (!in_board_ranges(base, size))
        machine_add_device(&machine, ALIGN_DOWN(base, PAGE_SIZE), ALIGN_UP(base + size, PAGE_SIZE) - ALIGN_DOWN(base, PAGE_SIZE));
}

/* RAM from 1 MiB on: the first MiB stays the firmware's, except the page the other CPUs start in
 * (kept out of the page allocator, mapped as RAM). */
static void describe_memory(u64 mbi_pa)
{
    const struct multiboot_info *mbi = identity_map(NULL, mbi_pa, sizeof(*mbi));
    if (!mbi)
        panic("boot: multiboot information at %#llx is unreadable", (unsigned long long)mbi_pa);
    machine.cmdline = cmdline;
    const char *src = (mbi->flags & MULTIBOOT_INFO_CMDLINE) ? identity_map(NULL, mbi->cmdline, sizeof(cmdline)) : NULL;
    for (size_t i = 0; src && i + 1 < sizeof(cmdline) && src[i]; i++)
        cmdline[i] = src[i];
    if (mbi->flags & MULTIBOOT_INFO_MEM_MAP) {
        const u8 *map = identity_map(NULL, mbi->mmap_addr, mbi->mmap_length);
        struct multiboot_mmap_entry e;
        for (u32 off = 0; map && multiboot_mmap_next(map, mbi->mmap_length, &off, &e);) {
            pr_debug("boot: memory map %#llx+%#llx type %u", (unsigned long long)e.base, (unsigned long long)e.length,
                     e.type);
            if (e.type != MULTIBOOT_MEMORY_AVAILABLE || e.base + e.length <= LOW_MEMORY || e.base + e.length < e.base)
                continue;
            u64 base = MAX(e.base, LOW_MEMORY);
            machine_add_ram(&machine, base, e.base + e.length - base);
        }
    } else if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
        machine_add_ram(&machine, LOW_MEMORY, (u64)mbi->mem_upper << 10);
    }
    if (!machine.ram_count)
        panic("boot: the multiboot loader gave no memory map");
    machine_add_ram(&machine, TRAMPOLINE_PA, PAGE_SIZE);
    machine_add_reserved(&machine, TRAMPOLINE_PA, PAGE_SIZE);
}

static bool find_rsdp(u64 *rsdp)
{
    const u16 *ebda_seg = identity_map(NULL, EBDA_SEGMENT_PTR, 2);
    u64 ebda = ebda_seg ? (u64)*ebda_seg << 4 : 0;
    return (ebda && acpi_find_rsdp(&boot_mem, ebda, 1024, rsdp)) ||
           acpi_find_rsdp(&boot_mem, BIOS_AREA, BIOS_AREA_SIZE, rsdp);
}

static void describe_madt(const struct acpi *acpi)
{
    struct acpi_table madt;
    if (!acpi_get_table(acpi, "APIC", 0, &madt))
        panic("boot: no valid MADT in the ACPI tables: the CPUs and the I/O APIC are unknown");
    u64 lapic = LAPIC_DEFAULT_BASE;
    acpi_madt_lapic_address(&madt, &lapic);
    lapic_set_base(lapic);
    add_device(lapic, PAGE_SIZE);
    struct acpi_madt_entry e;
    for (u32 off = 0; acpi_madt_next(&madt, &off, &e);) {
        switch (e.type) {
        case ACPI_MADT_LOCAL_APIC:
            if (e.u.lapic.flags & ACPI_MADT_ENABLED)
                machine_add_cpu(&machine, e.u.lapic.apic_id);
            break;
        case ACPI_MADT_LOCAL_X2APIC:
            if (e.u.lapic.flags & ACPI_MADT_ENABLED)
                pr_warn("boot: CPU with x2APIC id %u left off (the base drives xAPICs)", e.u.lapic.apic_id);
            break;
        case ACPI_MADT_IO_APIC:
            if (!ioapic_add(e.u.ioapic.id, e.u.ioapic.address, e.u.ioapic.gsi_base))
                pr_warn("boot: more than %u I/O APICs; %#x ignored", IOAPIC_MAX, e.u.ioapic.address);
            else
                add_device(e.u.ioapic.address, PAGE_SIZE);
            break;
        case ACPI_MADT_INT_OVERRIDE:
            if (e.u.override.bus == 0)
                ioapic_set_isa_override(e.u.override.source, e.u.override.gsi, e.u.override.flags);
            break;
        default:
            break;
        }
    }
}

static void describe_power(const struct acpi *acpi)
{
    struct acpi_table fadt, dsdt;
    struct acpi_fadt f;
    if (!acpi_get_table(acpi, "FACP", 0, &fadt) || !acpi_fadt_parse(&fadt, &f)) {
        pr_warn("boot: no valid FADT: no ACPI power-off or reset");
        return;
    }
    u8 a = 0, b = 0;
    bool s5 = f.dsdt && acpi_table_at(&boot_mem, f.dsdt, "DSDT", &dsdt) && acpi_dsdt_s5(&dsdt, &a, &b);
    if (!s5)
        pr_warn("boot: no \\_S5 in the DSDT: no ACPI power-off");
    acpi_power_init(&f, s5, a, b);
}

static void describe_pci(const struct acpi *acpi)
{
    struct acpi_table mcfg;
    struct acpi_mcfg_entry e;
    if (!acpi_get_table(acpi, "MCFG", 0, &mcfg) || !acpi_mcfg_entry(&mcfg, 0, &e) || e.segment != 0) {
        pr_warn("boot: no PCI Express configuration window (MCFG): no PCI devices");
        return;
    }
    u64 window = e.base + ((u64)e.bus_start << 20), size = (u64)(e.bus_end - e.bus_start + 1) << 20;
    if (window + size > BOOT_MAP_LIMIT) {
        pr_warn("boot: the PCI configuration window %#llx is above 4 GiB: no PCI devices", (unsigned long long)window);
        return;
    }
    add_device(window, size);
    pci_ecam_init(e.base, e.bus_start, e.bus_end);
    unsigned n = pci_scan();
    for (unsigned i = 0; i < n; i++)
        for (unsigned b = 0; b < PCI_BARS; b++) {
            const struct pci_bar *bar = &pci_device(i)->bar[b];
            if (!bar->io && bar->base && bar->size)
                add_device(bar->base, bar->size);
        }
}

/* The board's early console is a PC serial port: its ISA IRQ by the PC convention. */
static u32 console_irq(void)
{
    u64 port = platform_early_console.base;
    if (port == 0x3f8 || port == 0x3e8)
        return apic_irq_of_isa(4);
    if (port == 0x2f8 || port == 0x2e8)
        return apic_irq_of_isa(3);
    return 0;
}

const struct machine *x86_describe_machine(u64 mbi)
{
    describe_memory(mbi);
    u64 rsdp;
    struct acpi acpi;
    if (!find_rsdp(&rsdp))
        panic("boot: no ACPI root pointer (RSDP) in the BIOS areas");
    int r = acpi_open(&acpi, &boot_mem, rsdp);
    if (r != ACPI_OK)
        panic("boot: the ACPI tables at %#llx are invalid (%s)", (unsigned long long)rsdp,
              r == ACPI_ERR_RSDP ? "root pointer" : "XSDT/RSDT");
    describe_madt(&acpi);
    describe_power(&acpi);
    describe_pci(&acpi);
    machine.console_irq = console_irq();
    pr_info("boot: ACPI %s: %u CPUs, %zu RAM ranges, %u PCI functions", acpi.entry_size == 8 ? "XSDT" : "RSDT",
            machine.cpu_count, machine.ram_count, pci_device_count());
    return &machine;
}
