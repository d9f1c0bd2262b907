/* Boot information gathered by the base, and the entry points of the architecture's boot code. */
#ifndef BASE_BOOT_H
#define BASE_BOOT_H

#include <lib/fdt.h>
#include <lib/types.h>

struct machine;

struct boot_info {
    u64 dtb_pa;              /* 0 on a machine described without a DTB */
    u64 dtb_size;
    struct fdt fdt;          /* validated host device tree (empty without one) */
    const struct machine *machine; /* the machine description (<base/machine.h>) */
    u64 uart_base;           /* the console UART (struct console_info) */
    u32 uart_intid;          /* its interrupt (an IRQ number of <base/irq.h>), 0 if unknown */
    u64 image_start, image_end; /* the base+app image, incl. BSS and stacks */
};

extern struct boot_info boot_info;

/* Entry points from the architecture's boot code (boot.S), on the boot CPU with the DTB's
 * physical address, and on each other CPU once it runs on its own stack. */
/* Probes the board's disks once (into the blockdev registry), for an application that uses one. */
void base_probe_disks(void);
void base_primary_main(u64 dtb_pa) __attribute__((noreturn));
void base_secondary_main(u32 cpu) __attribute__((noreturn));

/* A machine without a DTB (x86: ACPI and the boot loader's memory map): the architecture's entry
 * code calls base_early_init first (logical CPU 0, the board's early console), describes the
 * machine (<base/machine.h>), then hands it to base_primary_boot, which goes on as
 * base_primary_main does after reading a DTB. m must stay valid (static). */
void base_early_init(void);
void base_primary_boot(const struct machine *m) __attribute__((noreturn));

#endif
