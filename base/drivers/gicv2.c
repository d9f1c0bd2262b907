/* Host GICv2: no security extensions as seen from here (QEMU virt, or the Non-secure view of a
 * GIC-400), every interrupt in group 0 signalled as IRQ, EOImode 1 as on the GICv3 host: GICC_EOIR
 * only drops the priority and GICC_DIR deactivates, so a handler may leave its interrupt active (the
 * virtual timer's, which the guest deactivates through a list register linked to it). A CPU's
 * interface number, which GICD_ITARGETSR and GICD_SGIR use, is read from its banked GICD_ITARGETSR0. */
#include <arch/cpu.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/gic.h>
#include <drivers/gic_regs.h>
#include <drivers/gicv2.h>

#define DEFAULT_PRIORITY 0xa0

struct gicv2_info gicv2;
static u8 cpu_mask[MAX_CPUS];

static inline volatile u32 *reg32(u64 addr) { return (volatile u32 *)(uintptr_t)addr; }
static inline volatile u8 *reg8(u64 addr) { return (volatile u8 *)(uintptr_t)addr; }

BUILT_FOR_SIZE static int gicv2_init(const struct fdt *fdt)
{
    int node = fdt_find_compatible(fdt, -1, "arm,cortex-a15-gic");
    if (node < 0)
        node = fdt_find_compatible(fdt, -1, "arm,gic-400");
    if (node < 0 || !fdt_reg(fdt, node, 0, &gicv2.dist_base, NULL) || !fdt_reg(fdt, node, 1, &gicv2.cpu_base, NULL)) {
        pr_err("gic: no usable GICv2 node in the host DTB");
        return -1;
    }
    if (!fdt_reg(fdt, node, 2, &gicv2.hyp_base, NULL) ||
        !fdt_reg(fdt, node, 3, &gicv2.vcpu_base, &gicv2.vcpu_size))
        gicv2.hyp_base = gicv2.vcpu_base = gicv2.vcpu_size = 0;
    dev_claim(gicv2.dist_base, 0x1000, DEVCLAIM_HYPERVISOR, "GIC distributor", NULL);
    dev_claim(gicv2.cpu_base, 0x2000, DEVCLAIM_HYPERVISOR, "GIC CPU interface", NULL);
    if (gicv2.hyp_base) {
        dev_claim(gicv2.hyp_base, 0x1000, DEVCLAIM_HYPERVISOR, "GIC hypervisor interface", NULL);
        dev_claim(gicv2.vcpu_base, gicv2.vcpu_size, DEVCLAIM_HYPERVISOR, "GIC virtual CPU interface", NULL);
    }
    u32 lines = ((*reg32(gicv2.dist_base + GICD_TYPER) & 0x1f) + 1) * 32;
    gicv2.spi_count = (lines > GIC_MAX_INTID ? GIC_MAX_INTID : lines) - GIC_SPI_BASE;

    *reg32(gicv2.dist_base + GICD_CTLR) = 0;
    for (u32 i = GIC_SPI_BASE; i < GIC_SPI_BASE + gicv2.spi_count; i += 32)
        *reg32(gicv2.dist_base + GICD_ICENABLER + i / 8) = ~0u;
    for (u32 i = GIC_SPI_BASE; i < GIC_SPI_BASE + gicv2.spi_count; i += 4)
        *reg32(gicv2.dist_base + GICD_IPRIORITYR + i) = DEFAULT_PRIORITY * 0x01010101u;
    *reg32(gicv2.dist_base + GICD_CTLR) = 1;
    pr_debug("gic: GICv2 distributor %#llx, CPU interface %#llx, GICH %#llx, GICV %#llx, %u SPIs",
             (unsigned long long)gicv2.dist_base, (unsigned long long)gicv2.cpu_base,
             (unsigned long long)gicv2.hyp_base, (unsigned long long)gicv2.vcpu_base, gicv2.spi_count);
    return 0;
}

BUILT_FOR_SIZE static int gicv2_cpu_init(void)
{
    u32 targets = *reg32(gicv2.dist_base + GICD_ITARGETSR); /* banked: this CPU's own bit */
    cpu_mask[cpu_id()] = (u8)(targets | targets >> 8 | targets >> 16 | targets >> 24);
    *reg32(gicv2.dist_base + GICD_ICENABLER) = ~0u;
    /* Also when the CPU comes back from a guest that drove this interface itself: nothing of
     * its may stay pending, active, or hold the running priority up. */
    *reg32(gicv2.dist_base + GICD_ICPENDR) = 0xffff0000u; /* PPIs; SGI pending state is per source */
    *reg32(gicv2.dist_base + GICD_ICACTIVER) = ~0u;
    for (u32 i = 0; i < 4; i++)
        *reg32(gicv2.cpu_base + GICC_APR0 + 4 * i) = 0;
    for (u32 i = 0; i < 32; i += 4)
        *reg32(gicv2.dist_base + GICD_IPRIORITYR + i) = DEFAULT_PRIORITY * 0x01010101u;
    *reg32(gicv2.cpu_base + GICC_PMR) = 0xff;
    *reg32(gicv2.cpu_base + GICC_BPR) = 0;
    *reg32(gicv2.cpu_base + GICC_CTLR) = GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE;
    return 0;
}

static void gicv2_enable(u32 intid, bool on)
{
    *reg32(gicv2.dist_base + (on ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4) = 1u << (intid % 32);
}

static void gicv2_set_target(u32 intid, u32 cpu)
{
    if (intid >= GIC_SPI_BASE && intid < GIC_SPI_BASE + gicv2.spi_count && cpu < MAX_CPUS)
        *reg8(gicv2.dist_base + GICD_ITARGETSR + intid) = cpu_mask[cpu];
}

static void gicv2_send_sgi(u32 cpu, u32 sgi)
{
    dsb(ishst);
    *reg32(gicv2.dist_base + GICD_SGIR) = (u32)cpu_mask[cpu] << 16 | (sgi & 0xf);
}

static u32 gicv2_ack(void) { return *reg32(gicv2.cpu_base + GICC_IAR) & 0x1fff; }

static void gicv2_eoi(u32 iar) { *reg32(gicv2.cpu_base + GICC_EOIR) = iar; }
static void gicv2_deactivate(u32 iar) { *reg32(gicv2.cpu_base + GICC_DIR) = iar; }

static bool gicv2_private_active(u32 intid) { return (*reg32(gicv2.dist_base + GICD_ISACTIVER) >> intid) & 1; }

static void gicv2_set_private_active(u32 intid, bool on)
{
    *reg32(gicv2.dist_base + (on ? GICD_ISACTIVER : GICD_ICACTIVER)) = 1u << intid; /* banked */
}

static u32 gicv2_dist_read(u32 off, u8 width)
{
    u64 a = gicv2.dist_base + off;
    return width == 1 ? *reg8(a) : width == 2 ? *(volatile u16 *)(uintptr_t)a : *reg32(a);
}

static void gicv2_dist_write(u32 off, u8 width, u32 value)
{
    u64 a = gicv2.dist_base + off;
    if (width == 1)
        *reg8(a) = (u8)value;
    else if (width == 2)
        *(volatile u16 *)(uintptr_t)a = (u16)value;
    else
        *reg32(a) = value;
}

static u8 gicv2_cpu_if_mask(u32 cpu) { return cpu < MAX_CPUS ? cpu_mask[cpu] : 0; }

/* QEMU's GICv2 model looks at the physical CPU interface again only on a physical GIC event (a
 * GICC or GICD write, a line change), not when a guest deactivates an interrupt linked to a
 * physical one through GICV: a timer line still high then stays unsignalled. Rewriting the
 * priority mask as it is is such an event; on hardware it changes nothing. */
void gic_v2_refresh(void) { *reg32(gicv2.cpu_base + GICC_PMR) = 0xff; }

u64 gic_v2_cpu_base(void) { return gicv2.cpu_base; }
u64 gic_v2_dist_base(void) { return gicv2.dist_base; }
u64 gic_v2_hyp_base(void) { return gicv2.hyp_base; }
u64 gic_v2_vcpu_base(void) { return gicv2.vcpu_base; }

const struct gic_ops gicv2_ops = {
    .version = 2,
    .init = gicv2_init,
    .cpu_init = gicv2_cpu_init,
    .enable = gicv2_enable,
    .set_target = gicv2_set_target,
    .send_sgi = gicv2_send_sgi,
    .ack = gicv2_ack,
    .eoi = gicv2_eoi,
    .deactivate = gicv2_deactivate,
    .private_active = gicv2_private_active,
    .set_private_active = gicv2_set_private_active,
    .dist_read = gicv2_dist_read,
    .dist_write = gicv2_dist_write,
    .cpu_if_mask = gicv2_cpu_if_mask,
};
