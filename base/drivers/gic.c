/* Host GIC, version-independent half: handlers and dispatch, over gicv2.c or gicv3.c. */
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/gic.h>
#include <drivers/gicv3.h>

static const struct gic_ops *gic;
u32 irq_host_gic_version;

static struct {
    irq_handler_t fn;
    void *arg;
} handlers[GIC_MAX_INTID];

static u8 spi_target[GIC_MAX_INTID];   /* as the hypervisor asked (irq_set_target) */
static u32 reserved_cpus;              /* CPUs whose interrupts a VM takes directly */
static u32 private_enabled[MAX_CPUS]; /* SGIs/PPIs enabled by the hypervisor, per CPU */

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
    irq_host_gic_version = gic->version;
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

static void track_private(u32 intid, bool on)
{
    if (intid < GIC_SPI_BASE)
        private_enabled[cpu_id()] = on ? private_enabled[cpu_id()] | 1u << intid : private_enabled[cpu_id()] & ~(1u << intid);
}

bool irq_has_handler(u32 intid) { return intid < GIC_MAX_INTID && handlers[intid].fn; }

void irq_enable(u32 intid)
{
    track_private(intid, true);
    gic->enable(intid, true);
}

void irq_disable(u32 intid)
{
    track_private(intid, false);
    gic->enable(intid, false);
}

/* The first CPU that is not reserved, for an SPI that was asked to go to a reserved one. */
static u32 unreserved(u32 cpu)
{
    if (!(reserved_cpus & (1u << cpu)))
        return cpu;
    for (u32 c = 0; c < cpu_count(); c++)
        if (!(reserved_cpus & (1u << c)))
            return c;
    return cpu; /* every CPU is taken: nowhere better */
}

void irq_set_target(u32 intid, u32 cpu)
{
    if (intid < GIC_MAX_INTID)
        spi_target[intid] = (u8)cpu;
    gic->set_target(intid, unreserved(cpu));
}

void irq_reserve_cpu(u32 cpu, bool reserved)
{
    reserved_cpus = reserved ? reserved_cpus | 1u << cpu : reserved_cpus & ~(1u << cpu);
    for (u32 i = GIC_SPI_BASE; i < GIC_MAX_INTID; i++)
        if (handlers[i].fn && spi_target[i] == cpu)
            gic->set_target(i, unreserved(cpu));
}

void irq_hide_private(u32 intid) { gic->enable(intid, false); }

void irq_cpu_reinit(void)
{
    gic->cpu_init();
    for (u32 bits = private_enabled[cpu_id()]; bits; bits &= bits - 1)
        gic->enable((u32)__builtin_ctz(bits), true);
}

u32 irq_dist_read(u32 offset, u8 width) { return gic->dist_read ? gic->dist_read(offset, width) : 0; }
void irq_dist_write(u32 offset, u8 width, u32 value)
{
    if (gic->dist_write)
        gic->dist_write(offset, width, value);
}
u8 irq_cpu_if_mask(u32 cpu) { return gic->cpu_if_mask ? gic->cpu_if_mask(cpu) : 0; }
void irq_send_sgi(u32 cpu, u32 sgi) { gic->send_sgi(cpu, sgi); }

static inline __attribute__((always_inline)) unsigned dispatch(u32 (*ack)(void), void (*eoi)(u32))
{
    unsigned handled = 0;
    for (;;) {
        u32 iar = ack();
        u32 intid = iar & 0x3ff;
        if (intid >= GIC_SPURIOUS_FIRST)
            break;
        if (handlers[intid].fn)
            handlers[intid].fn(intid, handlers[intid].arg);
        else
            pr_warn("gic: unexpected interrupt %u", intid);
        eoi(iar);
        handled++;
    }
    return handled;
}

unsigned irq_dispatch(void)
{
    if (gic == &gicv3_ops)
        return dispatch(gicv3_ack, gicv3_eoi); /* inline: no indirect call per interrupt */
    return dispatch(gic->ack, gic->eoi);
}
