/* Host GICv3 driver (distributor, redistributors, system-register CPU interface). */
#ifndef DRIVERS_GICV3_H
#define DRIVERS_GICV3_H

#include <lib/fdt.h>
#include <lib/types.h>

#define GIC_SPI_BASE 32
#define GIC_MAX_INTID 1020

struct gicv3_info {
    u64 dist_base;
    u64 redist_base;
    u64 redist_size;
    u32 spi_count; /* SPIs implemented (GICD_TYPER.ITLinesNumber) */
};

extern struct gicv3_info gicv3;

int gicv3_init(const struct fdt *fdt); /* boot CPU: distributor + its own redistributor */
void gicv3_cpu_init(void);             /* every CPU: redistributor + CPU interface */

#endif
