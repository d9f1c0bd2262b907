/* The APIC driver's reading of DTB interrupt specifiers: x86 machines have no DTB, so none (kept
 * apart from apic.c, as each controller's DTB translation is, so that the generic IRQ layer and
 * the driver form no cycle). */
#include <base/irq.h>

bool irq_fdt_xlate(const struct fdt *f, const struct fdt_irq_spec *spec, struct fdt_irq *out)
{
    (void)f, (void)spec, (void)out;
    return false;
}
