/* The hypervisor's own EL2 stage-1 translation: an identity map (VA == PA) of RAM as normal
 * write-back memory and of device ranges as Device-nGnRE, 39-bit VA, 4 KiB granule. Only the
 * image's code is executable and it is read-only; SCTLR_EL2.WXN makes any writable mapping
 * execute-never as well, so a mistake in the map cannot create a writable, executable page. */
#include <arch/asm_offsets.h>
#include <arch/mmu.h>
#include <arch/pte.h>
#include <arch/sysreg.h>
#include <base/log.h>

#define MAIR_IDX_DEVICE 0 /* Device-nGnRE */
#define MAIR_IDX_NORMAL 1 /* Normal, inner/outer write-back read/write-allocate */
#define MAIR_VALUE ((0x04ull << (8 * MAIR_IDX_DEVICE)) | (0xffull << (8 * MAIR_IDX_NORMAL)))

#define VA_BITS 39
#define SCTLR_EL2_RES1 0x30c50830ull
#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_SA (1ull << 3)
#define SCTLR_I (1ull << 12)
#define SCTLR_WXN (1ull << 19)

/* Read by secondary CPUs with their MMU off: kept on its own cache line and cleaned to PoC. */
struct mmu_boot_params {
    u64 mair, tcr, ttbr, sctlr;
} __attribute__((aligned(64)));
struct mmu_boot_params mmu_boot_params;
_Static_assert(__builtin_offsetof(struct mmu_boot_params, tcr) == MMU_PARAMS_TCR, "asm offsets");
_Static_assert(__builtin_offsetof(struct mmu_boot_params, sctlr) == MMU_PARAMS_SCTLR, "asm offsets");

/* 39-bit VA: a one-table root at lib/pgtable level 2 (Arm's level 1), 1 GiB blocks. */
static const struct pt_format el2_format = ARM64_PT_FORMAT(2, 1, 2);

static struct pgtable el2_pt;

void mmu_init(const struct pt_mem *mem)
{
    if (pt_init(&el2_pt, &el2_format, mem, VA_BITS) != 0)
        panic("mmu: cannot allocate the EL2 root table");
}

int mmu_map_identity(u64 base, u64 size, enum mmu_mem_type type)
{
    u64 normal = PTE_S1_ATTRIDX(MAIR_IDX_NORMAL) | PTE_SH_INNER;
    u64 attr = type == MMU_CODE     ? normal | PTE_S1_AP_RO
               : type == MMU_RODATA ? normal | PTE_S1_AP_RO | PTE_S1_XN
               : type == MMU_NORMAL ? normal | PTE_S1_XN
                                    : PTE_S1_ATTRIDX(MAIR_IDX_DEVICE) | PTE_S1_XN;
    u64 start = ALIGN_DOWN(base, PT_PAGE_SIZE), end = ALIGN_UP(base + size, PT_PAGE_SIZE);
    return pt_map(&el2_pt, start, start, end - start, attr);
}

static u64 pa_range_bits(void)
{
    static const u8 bits[] = {32, 36, 40, 42, 44, 48, 52};
    u64 r = read_sysreg(id_aa64mmfr0_el1) & 0xf;
    return r < sizeof(bits) ? r : 5;
}

void mmu_enable(void)
{
    struct mmu_boot_params *p = &mmu_boot_params;
    p->mair = MAIR_VALUE;
    /* T0SZ=25 (39-bit), IRGN0/ORGN0 write-back, inner shareable, 4 KiB, PS = PARange. */
    p->tcr = (64 - VA_BITS) | (1ull << 8) | (1ull << 10) | (3ull << 12) | (pa_range_bits() << 16) |
             (1ull << 23) | (1ull << 31);
    p->ttbr = el2_pt.root_pa;
    p->sctlr = SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN;
    dsb(ishst);
    write_sysreg(mair_el2, p->mair);
    write_sysreg(tcr_el2, p->tcr);
    write_sysreg(ttbr0_el2, p->ttbr);
    isb();
    __asm__ volatile("tlbi alle2" ::: "memory");
    dsb(nsh);
    write_sysreg(sctlr_el2, p->sctlr);
    isb();
    /* Secondaries read these with caches off. */
    __asm__ volatile("dc civac, %0" ::"r"(p) : "memory");
    dsb(sy);
}
