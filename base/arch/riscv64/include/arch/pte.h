/* RISC-V Sv39 / Sv39x4 page-table entries (privileged spec, 4.4 and 8.5): the one definition for
 * the base's own map and, later, the hypervisor's G-stage. Levels are lib/pgtable's (level 0 =
 * 4 KiB pages), which are RISC-V's own numbering. */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#include <lib/pgtable.h>
#include <lib/types.h>

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6) /* set in every leaf: no page fault to set them (no Svadu needed) */
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK (((1ull << 44) - 1) << PTE_PPN_SHIFT)
#define PTE_RWX (PTE_R | PTE_W | PTE_X)

static inline u64 riscv_pte_table(u64 pa) { return (pa >> 12) << PTE_PPN_SHIFT | PTE_V; }
static inline u64 riscv_pte_leaf(u64 pa, unsigned level, u64 attr)
{
    (void)level;
    return (pa >> 12) << PTE_PPN_SHIFT | attr | PTE_A | PTE_D | PTE_V;
}
static inline bool riscv_pte_is_valid(u64 d) { return d & PTE_V; }
static inline bool riscv_pte_is_table(u64 d, unsigned level) { return level > PT_LEAF_LEVEL && !(d & PTE_RWX); }
static inline u64 riscv_pte_pa(u64 d) { return ((d & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << 12; }
static inline u64 riscv_pte_attr(u64 d) { return d & ~(PTE_PPN_MASK | PTE_V | PTE_A | PTE_D); }

#define RISCV_PT_FORMAT(root, tables, max_block)                                                           \
    {                                                                                                      \
        .root_level = (root), .root_tables = (tables), .max_block_level = (max_block),                     \
        .table_desc = riscv_pte_table, .leaf_desc = riscv_pte_leaf, .is_valid = riscv_pte_is_valid,        \
        .is_table = riscv_pte_is_table, .desc_pa = riscv_pte_pa, .desc_attr = riscv_pte_attr,              \
    }

#endif
