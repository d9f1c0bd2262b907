/* The hypervisor's own EL2 stage-1 translation: an identity map (VA == PA) of RAM as normal
 * write-back memory and of device ranges as Device-nGnRE, 39-bit VA, 4 KiB granule. */
#include <arch/asm_offsets.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <base/log.h>

#define DESC_VALID (1ull << 0)
#define DESC_TABLE (1ull << 1) /* also "page" at level 3 */
#define DESC_AF (1ull << 10)
#define DESC_SH_INNER (3ull << 8)
#define DESC_XN (1ull << 54)
#define DESC_ATTRIDX(i) ((u64)(i) << 2)
#define DESC_PA_MASK 0x0000fffffffff000ull

#define MAIR_IDX_DEVICE 0 /* Device-nGnRE */
#define MAIR_IDX_NORMAL 1 /* Normal, inner/outer write-back read/write-allocate */
#define MAIR_VALUE ((0x04ull << (8 * MAIR_IDX_DEVICE)) | (0xffull << (8 * MAIR_IDX_NORMAL)))

#define VA_BITS 39
#define SCTLR_EL2_RES1 0x30c50830ull
#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_SA (1ull << 3)
#define SCTLR_I (1ull << 12)

/* Read by secondary CPUs with their MMU off: kept on its own cache line and cleaned to PoC. */
struct mmu_boot_params {
    u64 mair, tcr, ttbr, sctlr;
} __attribute__((aligned(64)));
struct mmu_boot_params mmu_boot_params;
_Static_assert(__builtin_offsetof(struct mmu_boot_params, tcr) == MMU_PARAMS_TCR, "asm offsets");
_Static_assert(__builtin_offsetof(struct mmu_boot_params, sctlr) == MMU_PARAMS_SCTLR, "asm offsets");

static u64 s1_table_desc(u64 pa) { return pa | DESC_VALID | DESC_TABLE; }
static u64 s1_leaf_desc(u64 pa, unsigned level, u64 attr)
{
    return pa | attr | DESC_AF | DESC_VALID | (level == PT_LEAF_LEVEL ? DESC_TABLE : 0);
}
static bool s1_is_valid(u64 d) { return d & DESC_VALID; }
static bool s1_is_table(u64 d, unsigned level) { return level < PT_LEAF_LEVEL && (d & 3) == 3; }
static u64 s1_desc_pa(u64 d) { return d & DESC_PA_MASK; }
static u64 s1_desc_attr(u64 d) { return d & ~(DESC_PA_MASK | DESC_VALID | DESC_TABLE | DESC_AF); }

static const struct pt_format el2_format = {
    .start_level = 1,
    .min_block_level = 1,
    .table_desc = s1_table_desc,
    .leaf_desc = s1_leaf_desc,
    .is_valid = s1_is_valid,
    .is_table = s1_is_table,
    .desc_pa = s1_desc_pa,
    .desc_attr = s1_desc_attr,
};

static struct pgtable el2_pt;

void mmu_init(const struct pt_mem *mem)
{
    if (pt_init(&el2_pt, &el2_format, mem, VA_BITS) != 0)
        panic("mmu: cannot allocate the EL2 root table");
}

int mmu_map_identity(u64 base, u64 size, enum mmu_mem_type type)
{
    u64 attr = type == MMU_NORMAL ? DESC_ATTRIDX(MAIR_IDX_NORMAL) | DESC_SH_INNER
                                  : DESC_ATTRIDX(MAIR_IDX_DEVICE) | DESC_XN;
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
    p->sctlr = SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA;
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
