/* The host's AIA interrupt controllers (<drivers/riscv_aia.h>): the supervisor-level IMSIC files
 * and the supervisor-level APLIC domain in MSI mode.
 *
 * What the firmware leaves (OpenSBI v1.1 on QEMU 7.2's virt with aia=aplic-imsic): the
 * machine-level APLIC domain in MSI mode with every source delegated to its one child, the
 * supervisor domain; the root domain's msiaddrcfg registers set from the two IMSIC nodes (the S
 * files at the S node's base, one per hart at a stride of 2^guest-index-bits pages), unlocked
 * but behind the firmware's PMP; the S domain's interrupt-enable off. So this driver only needs
 * the S domain's registers and the hart's own S-file CSRs: it turns the domain on, makes each
 * source it uses level-high (every QEMU virt device's line) with a target of (hart index, guest
 * 0, identity = source number), and enables identities 1..sources in each hart's S file. */
#include <arch/cpu.h>
#include <arch/hart_intc.h>
#include <arch/csr.h>
#include <base/devclaim.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/riscv_aia.h>

#define CSR_SISELECT 0x150
#define CSR_SIREG 0x151
#define CSR_STOPEI 0x15c
#define ISEL_EIDELIVERY 0x70
#define ISEL_EITHRESHOLD 0x72
#define ISEL_EIE0 0xc0

#define APLIC_DOMAINCFG 0x0000
#define APLIC_DOMAINCFG_IE (1u << 8)
#define APLIC_DOMAINCFG_DM (1u << 2)
#define APLIC_SOURCECFG(s) (0x0004u + 4u * ((s) - 1))
#define APLIC_SM_INACTIVE 0u
#define APLIC_SM_LEVEL_HIGH 6u
#define APLIC_SETIPNUM 0x1cdc
#define APLIC_IN_CLRIP(s) (0x1d00u + 4u * ((s) / 32))
#define APLIC_SETIENUM 0x1edc
#define APLIC_CLRIENUM 0x1fdc
#define APLIC_TARGET(s) (0x3004u + 4u * ((s) - 1))
#define APLIC_TARGET_MSI(hart, guest, eiid) ((u32)(hart) << 18 | (u32)(guest) << 12 | (eiid))
#define APLIC_MAX_SOURCES 1023u
#define NO_HART 0xffffffffu

#define xcsr_read(c) csr_read(c)
#define xcsr_write(c, v) csr_write(c, v)
#define xcsr_swap(c, v)                                                                                    \
    ({                                                                                                     \
        u64 __o;                                                                                           \
        __asm__ volatile("csrrw %0, " #c ", %1" : "=r"(__o) : "rK"((u64)(v)) : "memory");                  \
        __o;                                                                                               \
    })
#define csr_swap(c, v) xcsr_swap(c, v)

static u64 aplic_base;
static u32 aplic_nsrc;
static u32 imsic_ids;                  /* riscv,num-ids: identities 1..n */
static u64 imsic_base;                 /* the S files: hart index i at imsic_base + i * imsic_stride */
static u64 imsic_stride;
static u32 guest_files;                /* per hart: 2^guest-index-bits - 1 */
static u32 hart_index_of_cpu[MAX_CPUS];

static inline volatile u32 *aplic_reg(u32 off) { return (volatile u32 *)(uintptr_t)(aplic_base + off); }

bool aia_present(void) { return aplic_base != 0; }
u32 aia_sources(void) { return aplic_nsrc; }
u32 aia_guest_files(void) { return guest_files; }
u32 aia_ids(void) { return imsic_ids; }


/* The IMSIC node whose interrupts-extended names the harts' supervisor external interrupt (9):
 * entry i is the file of hart index i. */
static int find_s_imsic(const struct fdt *f)
{
    for (int n = fdt_find_compatible(f, -1, "riscv,imsics"); n >= 0; n = fdt_find_compatible(f, n, "riscv,imsics")) {
        struct fdt_irq_spec spec;
        if (fdt_irq_spec(f, n, 0, &spec) && spec.cell_count == 1 && spec.cells[0] == IRQ_S_EXT)
            return n;
    }
    return -1;
}

/* The APLIC domain whose MSIs go to that IMSIC (its msi-parent): the supervisor-level one. */
static int find_s_aplic(const struct fdt *f, int imsic)
{
    for (int n = fdt_find_compatible(f, -1, "riscv,aplic"); n >= 0; n = fdt_find_compatible(f, n, "riscv,aplic")) {
        u32 parent;
        if (fdt_prop_u32(f, n, "msi-parent", &parent) && fdt_find_phandle(f, parent) == imsic)
            return n;
    }
    return -1;
}

int aia_init(const struct fdt *fdt)
{
    int imsic = find_s_imsic(fdt);
    int aplic = imsic >= 0 ? find_s_aplic(fdt, imsic) : -1;
    u64 isize, asize, abase;
    u32 gbits = 0;
    if (aplic < 0 || !fdt_reg(fdt, imsic, 0, &imsic_base, &isize) || !fdt_reg(fdt, aplic, 0, &abase, &asize) ||
        !fdt_prop_u32(fdt, imsic, "riscv,num-ids", &imsic_ids) ||
        !fdt_prop_u32(fdt, aplic, "riscv,num-sources", &aplic_nsrc))
        return -1;
    fdt_prop_u32(fdt, imsic, "riscv,guest-index-bits", &gbits);
    if (gbits > 6)
        gbits = 6;
    imsic_stride = 1ull << (12 + gbits);
    guest_files = (1u << gbits) - 1;
    for (u32 c = 0; c < MAX_CPUS; c++)
        hart_index_of_cpu[c] = NO_HART;
    for (u32 i = 0;; i++) {
        struct fdt_irq_spec spec;
        if (!fdt_irq_spec(fdt, imsic, i, &spec))
            break;
        int cpu = hart_intc_cpu(fdt, spec.controller);
        if (cpu >= 0)
            hart_index_of_cpu[cpu] = i;
    }
    for (u32 c = 0; c < cpu_count(); c++)
        if (hart_index_of_cpu[c] == NO_HART) {
            pr_err("aia: no S-level IMSIC file for cpu%u", c);
            return -1;
        }
    aplic_nsrc = MIN(aplic_nsrc, MIN(APLIC_MAX_SOURCES, imsic_ids));
    aplic_base = abase;
    /* Every IMSIC and APLIC frame is the hypervisor's; guest files go to VMs only through it. */
    for (int n = fdt_find_compatible(fdt, -1, "riscv,imsics"); n >= 0; n = fdt_find_compatible(fdt, n, "riscv,imsics")) {
        u64 b, s;
        for (size_t i = 0; fdt_reg(fdt, n, i, &b, &s); i++)
            dev_claim(b, s, DEVCLAIM_HYPERVISOR, "IMSIC", NULL);
    }
    for (int n = fdt_find_compatible(fdt, -1, "riscv,aplic"); n >= 0; n = fdt_find_compatible(fdt, n, "riscv,aplic")) {
        u64 b, s;
        if (fdt_reg(fdt, n, 0, &b, &s))
            dev_claim(b, s, DEVCLAIM_HYPERVISOR, "APLIC", NULL);
    }
    for (u32 s = 1; s <= aplic_nsrc; s++)
        *aplic_reg(APLIC_SOURCECFG(s)) = APLIC_SM_INACTIVE;
    *aplic_reg(APLIC_DOMAINCFG) = APLIC_DOMAINCFG_IE | APLIC_DOMAINCFG_DM;
    pr_info("aia: APLIC %#llx (%u sources, MSI mode), IMSIC S files %#llx, %u guest files per hart",
            (unsigned long long)aplic_base, aplic_nsrc, (unsigned long long)imsic_base, guest_files);
    return 0;
}

static void imsic_write(u32 isel, u64 v)
{
    xcsr_write(CSR_SISELECT, isel);
    xcsr_write(CSR_SIREG, v);
}

void aia_cpu_init(void)
{
    imsic_write(ISEL_EIDELIVERY, 1);
    imsic_write(ISEL_EITHRESHOLD, 0);
    /* Identities 1..aplic_nsrc on (identity 0 does not exist); rv64: only even eie registers. */
    for (u32 w = 0; w * 64 <= aplic_nsrc; w++) {
        u64 bits = ~0ull;
        if (w == 0)
            bits &= ~1ull;
        if ((w + 1) * 64 > aplic_nsrc + 1)
            bits &= (1ull << ((aplic_nsrc + 1) % 64)) - 1;
        imsic_write(ISEL_EIE0 + 2 * w, bits);
    }
}

void aia_enable(u32 src, u32 cpu, bool on)
{
    if (src < 1 || src > aplic_nsrc || cpu >= MAX_CPUS)
        return;
    if (!on) {
        *aplic_reg(APLIC_CLRIENUM) = src;
        return;
    }
    *aplic_reg(APLIC_SOURCECFG(src)) = APLIC_SM_LEVEL_HIGH;
    *aplic_reg(APLIC_TARGET(src)) = APLIC_TARGET_MSI(hart_index_of_cpu[cpu], 0, src);
    *aplic_reg(APLIC_SETIENUM) = src;
    aia_complete(src); /* a line already high when it was inactive made no edge */
}

u32 aia_claim(void)
{
    /* stopei: identity in bits 26:16; writing it claims (clears the pending bit) atomically. */
    u64 top = csr_swap(CSR_STOPEI, 0);
    return (u32)(top >> 16) & 0x7ff;
}

/* In MSI mode a level source's pending bit is set by its rising edge and cleared by the message:
 * one still high after its handler is sent again through setipnum. Only if its input is high
 * (in_clrip): QEMU 7.2 sets the bit of a level source for setipnum whatever the input (the spec
 * says it is ignored while the input is low), which would send the message over and over. A
 * line that rises after the read is an edge, which sends one by itself. */
void aia_complete(u32 src)
{
    if (src >= 1 && src <= aplic_nsrc && (*aplic_reg(APLIC_IN_CLRIP(src)) >> (src % 32) & 1))
        *aplic_reg(APLIC_SETIPNUM) = src;
}

u64 aia_guest_file_hpa(u32 cpu, u32 guest)
{
    return imsic_base + hart_index_of_cpu[cpu] * imsic_stride + (u64)guest * 0x1000;
}

void aia_route_to_guest(u32 src, u32 cpu, u32 guest, u32 eiid)
{
    if (src < 1 || src > aplic_nsrc || cpu >= cpu_count() || guest < 1 || guest > guest_files)
        return;
    *aplic_reg(APLIC_CLRIENUM) = src;
    *aplic_reg(APLIC_SOURCECFG(src)) = APLIC_SM_LEVEL_HIGH;
    *aplic_reg(APLIC_TARGET(src)) = APLIC_TARGET_MSI(hart_index_of_cpu[cpu], guest, eiid);
    *aplic_reg(APLIC_SETIENUM) = src;
    aia_complete(src);
}

void aia_source_off(u32 src)
{
    if (src < 1 || src > aplic_nsrc)
        return;
    *aplic_reg(APLIC_CLRIENUM) = src;
    *aplic_reg(APLIC_SOURCECFG(src)) = APLIC_SM_INACTIVE;
}
