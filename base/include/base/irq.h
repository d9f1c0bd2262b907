/* Host interrupts: the interface every interrupt-controller driver provides, whatever the
 * architecture. Exactly one controller driver is built in (the board's platform.mk picks it);
 * it chooses the IRQ numbers (a GIC uses its INTIDs, a PLIC-based driver its own numbering)
 * with one rule common to all: numbers below IRQ_IPI_COUNT are the inter-processor interrupts.
 * Controller-specific extras live in the driver's own header (e.g. <drivers/gic.h>). */
#ifndef BASE_IRQ_H
#define BASE_IRQ_H

#include <lib/fdt.h>
#include <lib/types.h>

typedef u32 irq_t;
typedef void (*irq_handler_t)(irq_t irq, void *arg);

/* Inter-processor interrupts, sent with irq_send_ipi and handled like any other IRQ. */
#define IRQ_IPI_WAKEUP 0 /* wake or kick another CPU (the app's scheduler) */
#define IRQ_IPI_STOP 1   /* park the CPU (panic) */
#define IRQ_IPI_COUNT 2
#define IRQ_MAX 1024 /* every IRQ number is below this */

/* ---- implemented by the interrupt-controller driver ---- */

/* Boot CPU, once: finds the controller in the host DTB and sets it up. Returns 0 or -1. */
int irq_controller_init(const struct fdt *fdt);
/* Every CPU, the boot CPU included: its private interrupts and CPU interface. 0 or -1. */
int irq_cpu_init(void);
const char *irq_controller_name(void); /* for logs, e.g. "GICv3" */
void irq_enable(irq_t irq);  /* per-CPU interrupts: on this CPU */
void irq_disable(irq_t irq);
void irq_set_target(irq_t irq, u32 cpu); /* routes a shared interrupt to one CPU */
void irq_send_ipi(u32 cpu, irq_t ipi);
/* Acknowledges and handles every pending interrupt of this CPU; returns how many. */
unsigned irq_dispatch(void);
/* The controller's reading of an interrupt specifier of the host DTB (lib/fdt.h). */
fdt_irq_xlate_fn irq_fdt_xlate;

/* ---- generic (base/core/irq.c) ---- */

void irq_set_handler(irq_t irq, irq_handler_t fn, void *arg);
bool irq_has_handler(irq_t irq);
/* Interrupt `index` of a host DTB node as this controller's IRQ number; false when the node has
 * no such interrupt or it is not one the controller routes. */
bool irq_from_fdt(const struct fdt *fdt, int node, u32 index, struct fdt_irq *out);

#endif
