#include <arch/sysreg.h>
#include <base/mm.h>

static u64 dcache_line(void)
{
    return 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
}

void mm_sync_for_exec(void *p, size_t len)
{
    u64 line = dcache_line();
    u64 start = ALIGN_DOWN((u64)(uintptr_t)p, line), end = (u64)(uintptr_t)p + len;
    for (u64 a = start; a < end; a += line)
        __asm__ volatile("dc cvac, %0" ::"r"(a) : "memory");
    dsb(ish);
    __asm__ volatile("ic ialluis" ::: "memory");
    dsb(ish);
    isb();
}
