#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <lib/pgtable.h>
#include <lib/types.h>

/* Attributes for the hypervisor's own identity map. */
#include <base/mmu_type.h>

/* Memory for the boot CPU's table building (the base's page allocator). */
void mmu_init(const struct pt_mem *mem);
int mmu_map_identity(u64 base, u64 size, enum mmu_mem_type type);
void mmu_enable(void); /* boot CPU; secondaries enable it in boot.S from mmu_boot_params */

#endif
