/* What the generic IRQ layer gives interrupt-controller drivers: the handler table, read
 * inline by their dispatch loops (no call per interrupt to find the handler). */
#ifndef BASE_IRQ_DRIVER_H
#define BASE_IRQ_DRIVER_H

#include <base/irq.h>

struct irq_slot {
    irq_handler_t fn;
    void *arg;
};
extern struct irq_slot irq_slots[IRQ_MAX];

/* Reports an interrupt nobody registered a handler for. */
void irq_unexpected(irq_t irq);

/* Runs irq's handler (irq < IRQ_MAX, checked by the caller). */
static inline void irq_handle(irq_t irq)
{
    const struct irq_slot *s = &irq_slots[irq];
    if (s->fn)
        s->fn(irq, s->arg);
    else
        irq_unexpected(irq);
}

#endif
