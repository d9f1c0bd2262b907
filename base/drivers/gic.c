/* Host GIC, version-independent half: <base/irq.h> over gicv2.c or gicv3.c, and the GIC
 * extras of <drivers/gic.h>. */
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/irq_driver.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/gic.h>
#include <drivers/gic_regs.h>
#include <drivers/gicv3.h>
#include <lib/fmt.h>

static const struct gic_ops *gic;
u32 gic_host_version;

static u8 spi_target[GIC_MAX_INTID];   /* as the hypervisor asked (irq_set_target) */
static u32 reserved_cpus;              /* CPUs whose interrupts a VM takes directly */
static u32 private_enabled[MAX_CPUS]; /* SGIs/PPIs enabled by the hypervisor, per CPU */

_Static_assert(IRQ_IPI_COUNT <= 16, "IPIs are SGIs");

/* Every frame the GIC node and its subnodes describe is the hypervisor's, not only those the
 * driver uses: the GICv3's ITS and legacy CPU-interface frames, a GICv2m MSI frame. No VM is
 * given one of them by address (base/devclaim.h). */
static void claim_node_frames(const struct fdt *fdt, int node, const char *what)
{
    u64 base, size;
    for (size_t i = 0; fdt_reg(fdt, node, i, &base, &size); i++)
        if (size)
            dev_claim(base, size, DEVCLAIM_HYPERVISOR, what, NULL);
}

static void claim_gic_frames(const struct fdt *fdt, int gic_node)
{
    claim_node_frames(fdt, gic_node, "GIC frame");
    for (int c = fdt_first_child(fdt, gic_node); c >= 0; c = fdt_next_sibling(fdt, c)) {
        char what[32];
        fmt_snprintf(what, sizeof(what), "GIC %s", fdt_node_name(fdt, c));
        claim_node_frames(fdt, c, what);
    }
}

int irq_controller_init(const struct fdt *fdt)
{
    int node;
    if ((node = fdt_find_compatible(fdt, -1, "arm,gic-v3")) >= 0)
        gic = &gicv3_ops;
    else if ((node = fdt_find_compatible(fdt, -1, "arm,cortex-a15-gic")) >= 0 ||
             (node = fdt_find_compatible(fdt, -1, "arm,gic-400")) >= 0)
        gic = &gicv2_ops;
    else {
        pr_err("gic: the host DTB has no GICv2 or GICv3 node");
        return -1;
    }
    gic_host_version = gic->version;
    int r = gic->init(fdt);
    if (r == 0)
        claim_gic_frames(fdt, node);
    return r;
}

int irq_cpu_init(void) { return gic->cpu_init(); }

u32 gic_version(void) { return gic ? gic->version : 0; }

const char *irq_controller_name(void)
{
    return !gic ? "none" : gic->version == 3 ? "GICv3" : "GICv2";
}

static void track_private(u32 intid, bool on)
{
    if (intid < GIC_SPI_BASE)
        private_enabled[cpu_id()] = on ? private_enabled[cpu_id()] | 1u << intid : private_enabled[cpu_id()] & ~(1u << intid);
}

void irq_enable(irq_t intid)
{
    track_private(intid, true);
    gic->enable(intid, true);
}

void irq_disable(irq_t intid)
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

void irq_set_target(irq_t intid, u32 cpu)
{
    if (intid < GIC_MAX_INTID)
        spi_target[intid] = (u8)cpu;
    gic->set_target(intid, unreserved(cpu));
}

void gic_reserve_cpu(u32 cpu, bool reserved)
{
    reserved_cpus = reserved ? reserved_cpus | 1u << cpu : reserved_cpus & ~(1u << cpu);
    for (u32 i = GIC_SPI_BASE; i < GIC_MAX_INTID; i++)
        if (irq_has_handler(i) && spi_target[i] == cpu)
            gic->set_target(i, unreserved(cpu));
}

void gic_hide_private(u32 intid) { gic->enable(intid, false); }

void gic_cpu_reinit(void)
{
    gic->cpu_init();
    for (u32 bits = private_enabled[cpu_id()]; bits; bits &= bits - 1)
        gic->enable((u32)__builtin_ctz(bits), true);
}

u32 gic_dist_read(u32 offset, u8 width) { return gic->dist_read ? gic->dist_read(offset, width) : 0; }
void gic_dist_write(u32 offset, u8 width, u32 value)
{
    if (gic->dist_write)
        gic->dist_write(offset, width, value);
}
u8 gic_cpu_if_mask(u32 cpu) { return gic->cpu_if_mask ? gic->cpu_if_mask(cpu) : 0; }
void irq_send_ipi(u32 cpu, irq_t ipi) { gic->send_sgi(cpu, ipi); }

static u32 keep_active[GIC_MAX_INTID / 32 + 1]; /* gic_set_keep_active */

void gic_set_keep_active(u32 intid, bool keep)
{
    if (intid < GIC_MAX_INTID)
        keep_active[intid / 32] = keep ? keep_active[intid / 32] | 1u << (intid % 32)
                                       : keep_active[intid / 32] & ~(1u << (intid % 32));
}

void gic_deactivate(u32 intid) { gic->deactivate(intid); }
bool gic_private_active(u32 intid) { return gic->private_active(intid); }
void gic_set_private_active(u32 intid, bool active) { gic->set_private_active(intid, active); }

/* EOImode 1 (either GIC), so after the handler the priority drop (EOIR) and the deactivation
 * (DIR), unless the interrupt's consumer ends it later. */
static inline __attribute__((always_inline)) void handle_one(u32 iar, void (*eoi)(u32), void (*deactivate)(u32))
{
    u32 intid = iar & 0x3ff;
    irq_handle(intid);
    eoi(iar);
    if (!((keep_active[intid / 32] >> (intid % 32)) & 1))
        deactivate(iar);
}

static inline __attribute__((always_inline)) unsigned dispatch(u32 (*ack)(void), void (*eoi)(u32),
                                                               void (*deactivate)(u32))
{
    unsigned handled = 0;
    for (;;) {
        u32 iar = ack();
        if ((iar & 0x3ff) >= GIC_SPURIOUS_FIRST)
            break;
        handle_one(iar, eoi, deactivate);
        handled++;
    }
    return handled;
}

/* gic_take_either's uncommon case, out of line so that its common one needs no stack frame. */
u32 gic_handle_taken(u32 iar)
{
    if ((iar & 0x3ff) < GIC_SPURIOUS_FIRST) {
        if (gic == &gicv3_ops)
            handle_one(iar, gicv3_eoi, gicv3_deactivate);
        else
            handle_one(iar, gic->eoi, gic->deactivate);
    }
    return GIC_SPURIOUS_FIRST;
}

u32 gic_take_either(u32 a, u32 b)
{
    u32 iar = gic == &gicv3_ops ? gicv3_ack() : gic->ack();
    return (iar & 0x3ff) == a || (iar & 0x3ff) == b ? iar : gic_handle_taken(iar);
}

void gic_end(u32 iar)
{
    if (gic != &gicv3_ops) {
        gic->eoi(iar);
        gic->deactivate(iar);
        return;
    }
    gicv3_eoi(iar);
    gicv3_deactivate(iar);
}

void gic_eoi(u32 iar)
{
    if (gic == &gicv3_ops)
        gicv3_eoi(iar);
    else
        gic->eoi(iar);
}

unsigned irq_dispatch(void)
{
    if (gic == &gicv3_ops) /* inline: no indirect call per interrupt */
        return dispatch(gicv3_ack, gicv3_eoi, gicv3_deactivate);
    return dispatch(gic->ack, gic->eoi, gic->deactivate);
}
