/* x86-64 4-level paging entries (AMD APM vol. 2, 5.3; Intel SDM vol. 3, 4.5): the one definition
 * for the base's own map and, later, the hypervisor's nested page tables (same format). Levels
 * are lib/pgtable's: PT = 0 (4 KiB pages), PD = 1 (2 MiB), PDPT = 2 (1 GiB), PML4 = 3. */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#include <lib/pgtable.h>
#include <lib/types.h>

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)  /* nested paging treats every access as a user access: set it there */
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4) /* PWT|PCD = PAT entry 3 = uncacheable (power-on PAT) */
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)  /* a 2 MiB or 1 GiB page at levels 1 and 2 (the PAT bit at level 0) */
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Table entries allow everything; the leaves decide. */
static inline u64 x86_pte_table(u64 pa) { return pa | PTE_P | PTE_RW | PTE_US; }
static inline u64 x86_pte_leaf(u64 pa, unsigned level, u64 attr)
{
    return pa | attr | PTE_P | PTE_A | PTE_D | (level > PT_LEAF_LEVEL ? PTE_PS : 0);
}
static inline bool x86_pte_is_valid(u64 d) { return d & PTE_P; }
static inline bool x86_pte_is_table(u64 d, unsigned level) { return level > PT_LEAF_LEVEL && !(d & PTE_PS); }
static inline u64 x86_pte_pa(u64 d) { return d & PTE_ADDR_MASK; }
static inline u64 x86_pte_attr(u64 d) { return d & ~(PTE_ADDR_MASK | PTE_P | PTE_A | PTE_D | PTE_PS); }

/* A lib/pgtable format over these entries: root at level 3 (PML4, 48-bit addresses); blocks up
 * to level 2 where the CPU has 1 GiB pages, else level 1. */
#define X86_PT_FORMAT(root, max_block)                                                                     \
    {                                                                                                      \
        .root_level = (root), .root_tables = 1, .max_block_level = (max_block),                            \
        .table_desc = x86_pte_table, .leaf_desc = x86_pte_leaf, .is_valid = x86_pte_is_valid,              \
        .is_table = x86_pte_is_table, .desc_pa = x86_pte_pa, .desc_attr = x86_pte_attr,                    \
    }

#endif
