/* VMSAv8-64 translation table descriptors, 4 KiB granule: the one definition shared by the
 * base's EL2 stage-1 map (base/arch/aarch64/mmu.c) and the hypervisor's stage-2 tables
 * (hv/arch/aarch64/stage2.c). Both use the same descriptor layout and differ only in the
 * attribute bits each passes to lib/pgtable (stage-1: AttrIndx, SH, XN; stage-2: MemAttr, S2AP,
 * SH, XN). Levels are lib/pgtable's (level 0 = 4 KiB pages = Arm's level 3). */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#include <lib/pgtable.h>
#include <lib/types.h>

#define PTE_VALID (1ull << 0)
#define PTE_TABLE (1ull << 1) /* table at levels above 0; "page" at level 0 */
#define PTE_AF (1ull << 10)
#define PTE_SH_INNER (3ull << 8)
#define PTE_PA_MASK 0x0000fffffffff000ull

/* Stage 1 (EL2 regime): MAIR index, read-only (AP[2]; AP[1] stays 0 as in KVM's EL2 maps),
 * execute-never. */
#define PTE_S1_ATTRIDX(i) ((u64)(i) << 2)
#define PTE_S1_AP_RO (1ull << 7)
#define PTE_S1_XN (1ull << 54)
/* Stage 2: memory attributes, access permissions, execute-never at EL1 and EL0 (XN[1:0] = 0b10). */
#define PTE_S2_MEMATTR_NORMAL_WB (0xfull << 2)
#define PTE_S2_MEMATTR_DEVICE_nGnRE (0x1ull << 2)
#define PTE_S2AP_R (1ull << 6)
#define PTE_S2AP_W (1ull << 7)
#define PTE_S2_XN (2ull << 53)

static inline u64 arm64_pte_table(u64 pa) { return pa | PTE_VALID | PTE_TABLE; }
static inline u64 arm64_pte_leaf(u64 pa, unsigned level, u64 attr)
{
    return pa | attr | PTE_AF | PTE_VALID | (level == PT_LEAF_LEVEL ? PTE_TABLE : 0);
}
static inline bool arm64_pte_is_valid(u64 d) { return d & PTE_VALID; }
static inline bool arm64_pte_is_table(u64 d, unsigned level) { return level > PT_LEAF_LEVEL && (d & 3) == 3; }
static inline u64 arm64_pte_pa(u64 d) { return d & PTE_PA_MASK; }
static inline u64 arm64_pte_attr(u64 d) { return d & ~(PTE_PA_MASK | PTE_VALID | PTE_TABLE | PTE_AF); }

/* A lib/pgtable format over these descriptors. Arm's start level 1 (a 39-bit input range) is
 * root level 2 here; stage 2 may concatenate up to 16 root tables (Arm's SL0 with more bits). */
#define ARM64_PT_FORMAT(root, tables, max_block)                                                           \
    {                                                                                                      \
        .root_level = (root), .root_tables = (tables), .max_block_level = (max_block),                     \
        .table_desc = arm64_pte_table, .leaf_desc = arm64_pte_leaf, .is_valid = arm64_pte_is_valid,        \
        .is_table = arm64_pte_is_table, .desc_pa = arm64_pte_pa, .desc_attr = arm64_pte_attr,              \
    }

#endif
