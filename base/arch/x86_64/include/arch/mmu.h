#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <lib/pgtable.h>
#include <lib/types.h>

/* Attributes for the hypervisor's own identity map. */
#include <base/mmu_type.h>

void mmu_init(const struct pt_mem *mem);
/* Also usable once the map is live (a new mapping needs no TLB flush on x86). */
int mmu_map_identity(u64 base, u64 size, enum mmu_mem_type type);
void mmu_enable(void); /* boot CPU; secondaries load the same CR3 in the trampoline */

#endif
