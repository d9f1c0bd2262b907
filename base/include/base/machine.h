/* The machine the base boots on, as its firmware describes it: RAM, the firmware's own memory,
 * the CPUs, and (on machines without a DTB) the device ranges and the console's interrupt.
 *
 * One description, two sources: the host DTB (machine_from_fdt, base/core/machine_fdt.c) on
 * machines that have one, or the architecture's own firmware tables on machines that have none
 * (x86: the boot loader's memory map and ACPI), filled by the architecture's entry code before
 * it calls base_primary_boot (<base/boot.h>). The generic base reads only this structure until
 * drivers take over (a driver may still read the DTB through `fdt`). */
#ifndef BASE_MACHINE_H
#define BASE_MACHINE_H

#include <base/mm.h>
#include <lib/fdt.h>
#include <lib/types.h>

#define MACHINE_MAX_RAM 8
#define MACHINE_MAX_RESERVED 16
#define MACHINE_MAX_DEVICES 32
#define MACHINE_MAX_CPUS 64

struct machine {
    const struct fdt *fdt; /* the validated host DTB, or NULL when the machine has none */
    struct mem_range ram[MACHINE_MAX_RAM];
    size_t ram_count;
    /* Memory inside RAM the boot code keeps for the base (the DTB, a boot trampoline): never
     * handed out, never given to a VM. */
    struct mem_range reserved[MACHINE_MAX_RESERVED];
    size_t reserved_count;
    /* Memory the firmware's tables reserve (a DTB's /memreserve/ and /reserved-memory: e.g.
     * OpenSBI's own memory): never handed out by the page allocator, but a config may give such
     * a range to one VM (MapReserved regions, passthrough ranges; docs/isolation.md). */
    struct mem_range firmware[MACHINE_MAX_RESERVED];
    size_t firmware_count;
    bool firmware_truncated; /* more than the table holds: the memory code refuses to go on */
    /* Device MMIO the base maps for itself besides the board's platform_device_ranges (what the
     * firmware tables name on a machine without a DTB; empty with a DTB). */
    struct mem_range devices[MACHINE_MAX_DEVICES];
    size_t device_count;
    /* Hardware ids of the CPUs (the boot CPU among them, in any position). */
    u64 cpu_hwid[MACHINE_MAX_CPUS];
    u32 cpu_count;
    bool cpus_truncated; /* the description listed more than MACHINE_MAX_CPUS */
    /* Without a DTB: the console UART's interrupt (an IRQ number of <base/irq.h>), 0 if none. */
    u32 console_irq;
    /* The command line the boot loader gave (a DTB's /chosen bootargs, the multiboot command
     * line); "" if none. For applications of the base; the hypervisor does not read it. */
    const char *cmdline;
};

/* Adders for describers: false (and a warning) when the table is full. A size-0 range is
 * ignored. machine_add_device skips what an earlier device range already covers. */
bool machine_add_ram(struct machine *m, u64 base, u64 size);
bool machine_add_reserved(struct machine *m, u64 base, u64 size);
/* A firmware reservation the table cannot hold would be handed out: firmware_truncated says so. */
void machine_add_firmware_reserved(struct machine *m, u64 base, u64 size);
bool machine_add_device(struct machine *m, u64 base, u64 size);
void machine_add_cpu(struct machine *m, u64 hwid);

/* Fills m from a validated host DTB (its /memory nodes, the firmware's memory reservations and
 * /reserved-memory, /cpus), the DTB's own range [dtb, dtb + dtb_size) kept as reserved. */
void machine_from_fdt(struct machine *m, const struct fdt *fdt, u64 dtb, u64 dtb_size);

#endif
