/* The base's own Sv39 translation: an identity map (VA == PA) of RAM and of device ranges,
 * 4 KiB pages up to 1 GiB gigapages. Secondary harts load satp from mmu_boot_params. */
#include <arch/asm_offsets.h>
#include <arch/csr.h>
#include <arch/mmu.h>
#include <arch/pte.h>
#include <base/log.h>

#define VA_BITS 39

struct mmu_boot_params {
    u64 satp;
} __attribute__((aligned(64)));
struct mmu_boot_params mmu_boot_params;
_Static_assert(__builtin_offsetof(struct mmu_boot_params, satp) == MMU_PARAMS_SATP, "asm offsets");

/* Sv39: a one-table root at level 2, gigapages. */
static const struct pt_format sv39_format = RISCV_PT_FORMAT(2, 1, 2);
static struct pgtable base_pt;

void mmu_init(const struct pt_mem *mem)
{
    if (pt_init(&base_pt, &sv39_format, mem, VA_BITS) != 0)
        panic("mmu: cannot allocate the root table");
}

int mmu_map_identity(u64 base, u64 size, enum mmu_mem_type type)
{
    /* Memory types come from the platform's PMAs (no Svpbmt needed). Only the image's code is
     * executable, and it is read-only (W^X). Global: one address space. */
    u64 attr = PTE_R | PTE_G | (type == MMU_CODE ? PTE_X : type == MMU_RODATA ? 0 : PTE_W);
    u64 start = ALIGN_DOWN(base, PT_PAGE_SIZE), end = ALIGN_UP(base + size, PT_PAGE_SIZE);
    return pt_map(&base_pt, start, start, end - start, attr);
}

void mmu_enable(void)
{
    mmu_boot_params.satp = SATP_MODE_SV39 | (base_pt.root_pa >> 12);
    __asm__ volatile("sfence.vma" ::: "memory");
    csr_write(satp, mmu_boot_params.satp);
    __asm__ volatile("sfence.vma" ::: "memory");
}
