/* See <arch/hart_intc.h>. */
#include <arch/hart_intc.h>
#include <base/percpu.h>

int hart_intc_cpu(const struct fdt *f, int intc)
{
    u64 hart;
    int cpu_node = fdt_parent(f, intc);
    if (cpu_node < 0 || !fdt_reg(f, cpu_node, 0, &hart, NULL))
        return -1;
    for (u32 c = 0; c < cpu_count(); c++)
        if (cpu_hwid(c) == hart)
            return (int)c;
    return -1;
}
