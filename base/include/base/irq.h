/* Host interrupt controller interface (implemented by the GIC driver on aarch64). */
#ifndef BASE_IRQ_H
#define BASE_IRQ_H

#include <lib/types.h>

typedef void (*irq_handler_t)(u32 intid, void *arg);

#define IRQ_SGI_WAKEUP 0 /* SGI used to wake or kick another CPU */

/* Architecture version of the host interrupt controller (2 or 3 for a GIC). */
u32 irq_gic_version(void);
/* GICv2 with virtualization extensions: the GICH (list registers) and GICV (virtual CPU
 * interface) frames; 0 when absent. */
u64 irq_gicv2_hyp_base(void);
u64 irq_gicv2_vcpu_base(void);

void irq_set_handler(u32 intid, irq_handler_t fn, void *arg);
void irq_enable(u32 intid);  /* per-CPU for SGI/PPI (this CPU), global for SPIs */
void irq_disable(u32 intid);
/* Routes an SPI to one CPU. */
void irq_set_target(u32 intid, u32 cpu);
void irq_send_sgi(u32 cpu, u32 sgi);
/* Acknowledges and handles every pending interrupt of this CPU; returns how many. */
unsigned irq_dispatch(void);

#endif
