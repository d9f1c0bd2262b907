/* Host GICv3 driver (distributor, redistributors, system-register CPU interface). */
#ifndef DRIVERS_GICV3_H
#define DRIVERS_GICV3_H

#include <arch/sysreg.h>
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

/* The CPU interface's acknowledge and end of interrupt (system registers), inline so that the
 * dispatch loop in gic.c makes no indirect call for them on a GICv3 host. */
static inline u32 gicv3_ack(void) { return (u32)read_sysreg_s("S3_0_C12_C12_0") & 0xffffff; /* ICC_IAR1_EL1 */ }
static inline void gicv3_eoi(u32 iar) { write_sysreg_s("S3_0_C12_C12_1", iar); /* ICC_EOIR1_EL1 */ }
/* EOImode 1: EOIR only drops the priority; this ends the active state. */
static inline void gicv3_deactivate(u32 iar) { write_sysreg_s("S3_0_C12_C11_1", iar); /* ICC_DIR_EL1 */ }


#endif
