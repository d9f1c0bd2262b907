/* Host GIC: the version-independent half of <base/irq.h> (handler table, dispatch loop) over a
 * small per-version interface. The version is the one the host DTB describes. */
#ifndef DRIVERS_GIC_H
#define DRIVERS_GIC_H

#include <lib/fdt.h>
#include <lib/types.h>

#define GIC_SPI_BASE 32
#define GIC_MAX_INTID 1020
#define GIC_SPURIOUS_FIRST 1020

struct gic_ops {
    u32 version;
    int (*init)(const struct fdt *fdt); /* boot CPU: distributor */
    void (*cpu_init)(void);             /* every CPU: its private interrupts and CPU interface */
    void (*enable)(u32 intid, bool on);
    void (*set_target)(u32 intid, u32 cpu);
    void (*send_sgi)(u32 cpu, u32 sgi);
    u32 (*ack)(void); /* INTID (GICv2: with the source CPU in [12:10]) */
    void (*eoi)(u32 iar);
    u32 (*dist_read)(u32 off, u8 width);
    void (*dist_write)(u32 off, u8 width, u32 value);
    u8 (*cpu_if_mask)(u32 cpu);
};

extern const struct gic_ops gicv2_ops, gicv3_ops;

int gic_init(const struct fdt *fdt); /* picks the version from the DTB */
void gic_cpu_init(void);

#endif
