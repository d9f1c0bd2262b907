/* Interrupt specifiers of the RISC-V device-tree bindings: a PLIC source <n> is IRQ
 * RISCV_IRQ_PLIC + n, a hart interrupt controller's supervisor timer <5> is RISCV_IRQ_TIMER (per
 * hart); an APLIC source <n flags> is RISCV_IRQ_PLIC + n too. Pure logic over the FDT reader, kept apart from the driver so that the generic DTB
 * interrupt lookup (base/core/irq.c) does not depend on the driver that depends on it. */
#include <base/irq.h>
#include <drivers/riscv_plic.h>
#include <lib/fdt.h>

#define CAUSE_S_TIMER 5

static bool is_plic(const struct fdt *f, int node)
{
    return fdt_is_compatible(f, node, "sifive,plic-1.0.0") || fdt_is_compatible(f, node, "riscv,plic0");
}

bool irq_fdt_xlate(const struct fdt *f, const struct fdt_irq_spec *spec, struct fdt_irq *out)
{
    /* An APLIC's specifier is <source flags>: the same source numbers as a PLIC's. */
    if (spec->cell_count == 2 && fdt_is_compatible(f, spec->controller, "riscv,aplic") && spec->cells[0] >= 1 &&
        spec->cells[0] < IRQ_MAX - RISCV_IRQ_PLIC) {
        *out = (struct fdt_irq){.irq = RISCV_IRQ_PLIC + spec->cells[0], .edge = false, .percpu = false};
        return true;
    }
    if (spec->cell_count != 1)
        return false;
    u32 n = spec->cells[0];
    if (is_plic(f, spec->controller) && n >= 1 && n < IRQ_MAX - RISCV_IRQ_PLIC) {
        *out = (struct fdt_irq){.irq = RISCV_IRQ_PLIC + n, .edge = false, .percpu = false};
        return true;
    }
    if (fdt_is_compatible(f, spec->controller, "riscv,cpu-intc") && n == CAUSE_S_TIMER) {
        *out = (struct fdt_irq){.irq = RISCV_IRQ_TIMER, .edge = false, .percpu = true};
        return true;
    }
    return false;
}

