/* Boot information gathered by the base from the host DTB. */
#ifndef BASE_BOOT_H
#define BASE_BOOT_H

#include <lib/fdt.h>
#include <lib/types.h>

struct boot_info {
    u64 dtb_pa;
    u64 dtb_size;
    struct fdt fdt;          /* validated host device tree */
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

#endif
