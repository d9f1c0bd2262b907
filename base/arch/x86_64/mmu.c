/* The base's own 4-level translation: an identity map (VA == PA) of RAM as write-back memory and
 * of device ranges as uncacheable, execute-disabled memory; 1 GiB pages where the CPU has them.
 * Secondary CPUs load the same CR3 in the trampoline (smp.c). */
#include <arch/mmu.h>
#include <arch/pte.h>
#include <arch/x86.h>
#include <arch/x86_cpu.h>
#include <base/log.h>

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

int mmu_map_identity(u64 base, u64 size, enum mmu_mem_type type)
{
    u64 nx = (boot_efer_bits & EFER_NXE) ? PTE_NX : 0;
    u64 attr = PTE_RW | PTE_G | (type == MMU_NORMAL ? 0 : PTE_PCD | PTE_PWT | nx);
    u64 start = ALIGN_DOWN(base, PT_PAGE_SIZE), end = ALIGN_UP(base + size, PT_PAGE_SIZE);
    return pt_map(&base_pt, start, start, end - start, attr);
}

void mmu_enable(void)
{
    write_cr(3, base_pt.root_pa);
}
