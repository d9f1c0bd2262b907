/* Host GICv3: all interrupts in Group 1 Non-secure, affinity routing, EOImode 1 (a handler may
 * leave its interrupt active: the virtual timer's, which the guest deactivates through the list
 * register).
 * Redistributors are found by matching GICR_TYPER affinity against each CPU's MPIDR. */
#include <arch/cpu.h>
#include <arch/spinlock.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/gic.h>
#include <drivers/gic_regs.h>
#include <drivers/gicv3.h>

#define DEFAULT_PRIORITY 0xa0

struct gicv3_info gicv3;
static u64 redist_of_cpu[MAX_CPUS];

static inline volatile u32 *mmio32(u64 addr) { return (volatile u32 *)(uintptr_t)addr; }
static inline volatile u64 *mmio64(u64 addr) { return (volatile u64 *)(uintptr_t)addr; }

static void dist_wait_rwp(void)
{
    while (*mmio32(gicv3.dist_base + GICD_CTLR) & GICD_CTLR_RWP)
        arch_cpu_relax();
}

static u64 find_redist(u64 mpidr)
{
    for (u64 rd = gicv3.redist_base; rd < gicv3.redist_base + gicv3.redist_size; rd += GICR_STRIDE) {
        u64 typer = *mmio64(rd + GICR_TYPER);
        u64 aff = typer >> 32; /* Aff3.Aff2.Aff1.Aff0 */
        u64 want = ((mpidr >> 8) & 0xff000000ull) | (mpidr & 0xffffff);
        if (aff == want)
            return rd;
        if (typer & GICR_TYPER_LAST)
            break;
    }
    return 0;
}

BUILT_FOR_SIZE static int gicv3_init(const struct fdt *fdt)
{
    int node = fdt_find_compatible(fdt, -1, "arm,gic-v3");
    if (node < 0 || !fdt_reg(fdt, node, 0, &gicv3.dist_base, NULL) ||
        !fdt_reg(fdt, node, 1, &gicv3.redist_base, &gicv3.redist_size)) {
        pr_err("gic: no usable arm,gic-v3 node in the host DTB");
        return -1;
    }
    dev_claim(gicv3.dist_base, 0x10000, DEVCLAIM_HYPERVISOR, "GIC distributor", NULL);
    dev_claim(gicv3.redist_base, gicv3.redist_size, DEVCLAIM_HYPERVISOR, "GIC redistributors", NULL);
    u32 typer = *mmio32(gicv3.dist_base + GICD_TYPER);
    u32 lines = ((typer & 0x1f) + 1) * 32;
    gicv3.spi_count = (lines > GIC_MAX_INTID ? GIC_MAX_INTID : lines) - GIC_SPI_BASE;

    *mmio32(gicv3.dist_base + GICD_CTLR) = 0;
    dist_wait_rwp();
    for (u32 i = GIC_SPI_BASE; i < GIC_SPI_BASE + gicv3.spi_count; i += 32) {
        *mmio32(gicv3.dist_base + GICD_ICENABLER + i / 8) = ~0u;
        *mmio32(gicv3.dist_base + GICD_IGROUPR + i / 8) = ~0u;
    }
    for (u32 i = GIC_SPI_BASE; i < GIC_SPI_BASE + gicv3.spi_count; i += 4)
        *mmio32(gicv3.dist_base + GICD_IPRIORITYR + i) = DEFAULT_PRIORITY * 0x01010101u;
    dist_wait_rwp();
    *mmio32(gicv3.dist_base + GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_GRP1;
    dist_wait_rwp();
    pr_debug("gic: GICv3 distributor %#llx, redistributors %#llx, %u SPIs",
             (unsigned long long)gicv3.dist_base, (unsigned long long)gicv3.redist_base, gicv3.spi_count);
    return 0;
}

BUILT_FOR_SIZE static int gicv3_cpu_init(void)
{
    u32 cpu = cpu_id();
    u64 rd = find_redist(arch_cpu_mpidr());
    if (!rd) {
        pr_err("gic: no redistributor for MPIDR %#llx", (unsigned long long)arch_cpu_mpidr());
        return -1;
    }
    redist_of_cpu[cpu] = rd;

    *mmio32(rd + GICR_WAKER) &= ~GICR_WAKER_PROCESSOR_SLEEP;
    while (*mmio32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
        arch_cpu_relax();
    u64 sgi = rd + GICR_SGI;
    *mmio32(sgi + GICD_ICENABLER) = ~0u;
    *mmio32(sgi + GICD_IGROUPR) = ~0u;
    for (u32 i = 0; i < 32; i += 4)
        *mmio32(sgi + GICD_IPRIORITYR + i) = DEFAULT_PRIORITY * 0x01010101u;
    while (*mmio32(rd) & GICR_CTLR_RWP)
        arch_cpu_relax();

    /* ICC_SRE_EL2: system-register interface for EL2, and let EL1 use it too (Enable). */
    write_sysreg_s("S3_4_C12_C9_5", 0x9);
    isb();
    write_sysreg_s("S3_0_C4_C6_0", 0xff); /* ICC_PMR_EL1: unmask all priorities */
    write_sysreg_s("S3_0_C12_C12_3", 0);  /* ICC_BPR1_EL1 */
    write_sysreg_s("S3_0_C12_C12_4", 2);  /* ICC_CTLR_EL1: EOImode 1 (EOIR drops priority, DIR deactivates) */
    write_sysreg_s("S3_0_C12_C12_7", 1);  /* ICC_IGRPEN1_EL1 */
    isb();
    return 0;
}

static u64 enable_reg_base(u32 intid)
{
    return intid < GIC_SPI_BASE ? redist_of_cpu[cpu_id()] + GICR_SGI : gicv3.dist_base;
}

static void gicv3_enable(u32 intid, bool on)
{
    *mmio32(enable_reg_base(intid) + (on ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4) = 1u << (intid % 32);
    if (!on && intid >= GIC_SPI_BASE)
        dist_wait_rwp();
}

static void gicv3_set_target(u32 intid, u32 cpu)
{
    if (intid >= GIC_SPI_BASE && intid < GIC_SPI_BASE + gicv3.spi_count)
        *mmio64(gicv3.dist_base + GICD_IROUTER + intid * 8) = cpu_hwid(cpu) & MPIDR_AFF_MASK;
}

/* ICC_SGI1R_EL1's destination fields for each CPU (never 0: one TargetList bit), made on first
 * use: the wake-up IPI is on the hypervisor's hot paths. */
static u64 sgi_dest[MAX_CPUS];

static void gicv3_send_sgi(u32 cpu, u32 sgi)
{
    u64 dest = sgi_dest[cpu];
    if (!dest) {
        u64 mpidr = cpu_hwid(cpu);
        u64 aff0 = mpidr & 0xff;
        dest = ((mpidr >> 32) & 0xff) << 48 | ((mpidr >> 16) & 0xff) << 32 | ((mpidr >> 8) & 0xff) << 16 |
               (aff0 >> 4) << 44 | (1ull << (aff0 & 0xf));
        sgi_dest[cpu] = dest;
    }
    u64 v = dest | (u64)(sgi & 0xf) << 24;
    dsb(ishst);
    write_sysreg_s("S3_0_C12_C11_5", v); /* ICC_SGI1R_EL1 */
    isb();
}

static bool gicv3_private_active(u32 intid)
{
    return (*mmio32(redist_of_cpu[cpu_id()] + GICR_SGI + GICD_ISACTIVER) >> intid) & 1;
}

static void gicv3_set_private_active(u32 intid, bool on)
{
    *mmio32(redist_of_cpu[cpu_id()] + GICR_SGI + (on ? GICD_ISACTIVER : GICD_ICACTIVER)) = 1u << intid;
}

const struct gic_ops gicv3_ops = {
    .version = 3,
    .init = gicv3_init,
    .cpu_init = gicv3_cpu_init,
    .enable = gicv3_enable,
    .set_target = gicv3_set_target,
    .send_sgi = gicv3_send_sgi,
    .ack = gicv3_ack,
    .eoi = gicv3_eoi,
    .deactivate = gicv3_deactivate,
    .private_active = gicv3_private_active,
    .set_private_active = gicv3_set_private_active,
};
