/* Host GICv3 driver (distributor, redistributors, system-register CPU interface). */
#ifndef DRIVERS_GICV3_H
#define DRIVERS_GICV3_H

#include <drivers/gic.h>
#include <lib/fdt.h>
#include <lib/types.h>


struct gicv3_info {
    u64 dist_base;
    u64 redist_base;
    u64 redist_size;
    u32 spi_count; /* SPIs implemented (GICD_TYPER.ITLinesNumber) */
};

extern struct gicv3_info gicv3;


#endif
