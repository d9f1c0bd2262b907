/* Boot information gathered by the base from the host DTB. */
#ifndef BASE_BOOT_H
#define BASE_BOOT_H

#include <lib/fdt.h>
#include <lib/types.h>

struct boot_info {
    u64 dtb_pa;
    u64 dtb_size;
    struct fdt fdt;          /* validated host device tree */
    u64 uart_base;
    u32 uart_intid;          /* console UART interrupt, 0 if unknown */
    u64 image_start, image_end; /* the base+app image, incl. BSS and stacks */
};

extern struct boot_info boot_info;

/* Stops the other CPUs and powers off (the arch provides cpu start/stop). */
int smp_start_cpu(u32 cpu);

#endif
