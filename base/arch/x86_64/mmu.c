/* The base's own 4-level translation: an identity map (VA == PA) of RAM as write-back memory and
 * of device ranges as uncacheable, execute-disabled memory; 1 GiB pages where the CPU has them.
 * Secondary CPUs load the same CR3 in the trampoline (smp.c). W^X: the image's code is
 * read-only (CR0.WP holds the kernel to that), and with EFER.NXE nothing else runs, except the
 * one page the real-mode trampoline is copied to and runs from while a CPU starts. */
#include <arch/mmu.h>
#include <arch/pte.h>
#include <arch/x86.h>
#include <arch/x86_cpu.h>
#include <arch/asm_offsets.h>
#include <base/log.h>
#include <lib/range_carve.h>

#define VA_BITS 48

static const struct pt_format format_1g = X86_PT_FORMAT(3, 2);
static const struct pt_format format_2m = X86_PT_FORMAT(3, 1);
static struct pgtable base_pt;

static bool has_1g_pages(void) { return cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_PAGE1GB; }

void mmu_init(const struct pt_mem *mem)
{
    if (pt_init(&base_pt, has_1g_pages() ? &format_1g : &format_2m, mem, VA_BITS) != 0)
        panic("mmu: cannot allocate the root table");
}

#define MMU_TRAMPOLINE (MMU_RODATA + 1) /* RAM that is also executed: the trampoline's page */

static u64 attr_of(int type)
{
    u64 nx = (boot_efer_bits & EFER_NXE) ? PTE_NX : 0;
    switch (type) {
    case MMU_CODE: return PTE_G;
    case MMU_RODATA: return PTE_G | nx;
    case MMU_NORMAL: return PTE_RW | PTE_G | nx;
    case MMU_TRAMPOLINE: return PTE_RW | PTE_G;
    default: return PTE_RW | PTE_G | PTE_PCD | PTE_PWT | nx;
    }
}

int mmu_map_identity(u64 base, u64 size, enum mmu_mem_type type)
{
    u64 start = ALIGN_DOWN(base, PT_PAGE_SIZE), end = ALIGN_UP(base + size, PT_PAGE_SIZE);
    if (type != MMU_NORMAL)
        return pt_map(&base_pt, start, start, end - start, attr_of(type));
    const struct range_piece trampoline = {TRAMPOLINE_PA, TRAMPOLINE_PA + PT_PAGE_SIZE, MMU_TRAMPOLINE};
    struct range_piece piece[3];
    int n = range_carve(start, end, &trampoline, 1, MMU_NORMAL, piece, ARRAY_SIZE(piece));
    for (int i = 0; i < n; i++)
        if (pt_map(&base_pt, piece[i].start, piece[i].start, piece[i].end - piece[i].start, attr_of(piece[i].kind)) != 0)
            return -1;
    return n < 0 ? -1 : 0;
}

void mmu_enable(void)
{
    write_cr(3, base_pt.root_pa);
}
