/* The generic half of host interrupts: handlers, and DTB interrupt lookup through the
 * controller driver's translation (the driver does the rest, see <base/irq.h>). */
#include <base/irq.h>
#include <base/irq_driver.h>
#include <base/log.h>

struct irq_slot irq_slots[IRQ_MAX];

void irq_set_handler(irq_t irq, irq_handler_t fn, void *arg)
{
    if (irq < IRQ_MAX) {
        irq_slots[irq].arg = arg;
        irq_slots[irq].fn = fn;
    }
}

bool irq_has_handler(irq_t irq) { return irq < IRQ_MAX && irq_slots[irq].fn; }

void irq_unexpected(irq_t irq) { pr_warn("irq: unexpected interrupt %u", irq); }

bool irq_from_fdt(const struct fdt *fdt, int node, u32 index, struct fdt_irq *out)
{
    struct fdt_irq_spec spec;
    return fdt_irq_spec(fdt, node, index, &spec) && irq_fdt_xlate(fdt, &spec, out) && out->irq < IRQ_MAX;
}
