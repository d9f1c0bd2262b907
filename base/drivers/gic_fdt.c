/* Interrupt specifiers of the Arm GIC device-tree binding (arm,gic and arm,gic-v3):
 * <type number flags [partition]>, type 0 an SPI (INTID 32 + number), type 1 a PPI (INTID
 * 16 + number, per CPU); flags bits [3:0] the trigger (1, 2 edge; 4, 8 level). This is the
 * only place that turns a DTB interrupt number into a GIC INTID. Pure logic over the FDT
 * reader: the host unit tests link it too. */
#include <base/irq.h>
#include <drivers/gic.h>
#include <lib/fdt.h>

#define SPEC_SPI 0u
#define SPEC_PPI 1u
#define TRIGGER_MASK 0xfu
#define TRIGGER_EDGE_RISING 1u
#define TRIGGER_EDGE_FALLING 2u
#define GIC_PPI_BASE 16u
#define GIC_PPI_COUNT 16u

static bool is_gic(const struct fdt *f, int node)
{
    static const char *const compatible[] = {"arm,gic-v3", "arm,gic-400", "arm,cortex-a15-gic",
                                             "arm,cortex-a7-gic", "arm,cortex-a9-gic"};
    for (size_t i = 0; i < ARRAY_SIZE(compatible); i++)
        if (fdt_is_compatible(f, node, compatible[i]))
            return true;
    return false;
}

bool irq_fdt_xlate(const struct fdt *f, const struct fdt_irq_spec *spec, struct fdt_irq *out)
{
    /* GICv3 allows a fourth cell (PPI partition); the first three are the same. */
    if (spec->cell_count < 3 || !is_gic(f, spec->controller))
        return false;
    u32 type = spec->cells[0], number = spec->cells[1], trigger = spec->cells[2] & TRIGGER_MASK;
    if (type == SPEC_SPI && number < GIC_MAX_INTID - GIC_SPI_BASE)
        *out = (struct fdt_irq){.irq = GIC_SPI_BASE + number, .percpu = false};
    else if (type == SPEC_PPI && number < GIC_PPI_COUNT)
        *out = (struct fdt_irq){.irq = GIC_PPI_BASE + number, .percpu = true};
    else
        return false; /* extended SPI/PPI ranges are not used by the base */
    out->edge = trigger == TRIGGER_EDGE_RISING || trigger == TRIGGER_EDGE_FALLING;
    return true;
}
