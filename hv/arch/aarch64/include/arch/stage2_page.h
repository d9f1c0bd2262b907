/* The stage-2 fault-in's leaf write (stage2.c): one 4 KiB page into a table whose last-level
 * table exists already, walked with the known format instead of lib/pgtable's callbacks. Pure,
 * so the host tests check it against pt_map (tests/unit/hv/arch/aarch64/test_stage2_page.c). */
#ifndef ARCH_STAGE2_PAGE_H
#define ARCH_STAGE2_PAGE_H

#include <arch/pte.h>
#include <lib/types.h>

/* For a one-table root at Arm's level 1 (a 39-bit IPA; tables reached at their physical address,
 * identity mapped): writes ipa's page entry, pa with attr, and returns true when the tables down
 * to it exist and the entry is invalid. Else changes nothing and returns false: a missing table,
 * a block, or an entry already valid (pt_map then makes the tables, or accepts an identical
 * remap, or refuses a conflict). Invalid to valid needs no TLB maintenance. */
static inline bool stage2_set_page(u64 *root, u64 ipa, u64 pa, u64 attr)
{
    u64 *t = root;
    for (unsigned shift = 30; shift > 12; shift -= 9) {
        u64 d = t[(ipa >> shift) % PT_ENTRIES];
        if ((d & 3) != 3) /* invalid, or a block */
            return false;
        t = (u64 *)(uintptr_t)arm64_pte_pa(d);
    }
    u64 *e = &t[(ipa >> 12) % PT_ENTRIES];
    if (arm64_pte_is_valid(*e))
        return false;
    *e = arm64_pte_leaf(pa, PT_LEAF_LEVEL, attr);
    return true;
}

#endif
