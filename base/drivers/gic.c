/* Host GIC, version-independent half: handlers and dispatch, over gicv2.c or gicv3.c. */
#include <base/irq.h>
#include <base/log.h>
#include <drivers/gic.h>

static const struct gic_ops *gic;

static struct {
    irq_handler_t fn;
    void *arg;
} handlers[GIC_MAX_INTID];

int gic_init(const struct fdt *fdt)
{
    if (fdt_find_compatible(fdt, -1, "arm,gic-v3") >= 0)
        gic = &gicv3_ops;
    else if (fdt_find_compatible(fdt, -1, "arm,cortex-a15-gic") >= 0 || fdt_find_compatible(fdt, -1, "arm,gic-400") >= 0)
        gic = &gicv2_ops;
    else {
        pr_err("gic: the host DTB has no GICv2 or GICv3 node");
        return -1;
    }
    return gic->init(fdt);
}

void gic_cpu_init(void) { gic->cpu_init(); }

u32 irq_gic_version(void) { return gic ? gic->version : 0; }

void irq_set_handler(u32 intid, irq_handler_t fn, void *arg)
{
    if (intid < GIC_MAX_INTID) {
        handlers[intid].arg = arg;
        handlers[intid].fn = fn;
    }
}

void irq_enable(u32 intid) { gic->enable(intid, true); }
void irq_disable(u32 intid) { gic->enable(intid, false); }
void irq_set_target(u32 intid, u32 cpu) { gic->set_target(intid, cpu); }
void irq_send_sgi(u32 cpu, u32 sgi) { gic->send_sgi(cpu, sgi); }

unsigned irq_dispatch(void)
{
    unsigned handled = 0;
    for (;;) {
        u32 iar = gic->ack();
        u32 intid = iar & 0x3ff;
        if (intid >= GIC_SPURIOUS_FIRST)
            break;
        if (handlers[intid].fn)
            handlers[intid].fn(intid, handlers[intid].arg);
        else
            pr_warn("gic: unexpected interrupt %u", intid);
        gic->eoi(iar);
        handled++;
    }
    return handled;
}
