#include <base/mm.h>
#include <lib/string.h>

/* Data caches are coherent with instruction fetch only through fence.i (this hart). */
void mm_sync_for_exec(void *p, size_t len)
{
    (void)p, (void)len;
    __asm__ volatile("fence rw, rw\n fence.i" ::: "memory");
}

void mm_zero(void *p, size_t len) { memset(p, 0, len); }

/* Caches are coherent with memory for every agent on RISC-V (no cache maintenance instructions
 * in the base ISA): a guest with its MMU off reads what the hypervisor wrote. */
void mm_clean_dcache(void *p, size_t len)
{
    (void)p, (void)len;
    __asm__ volatile("fence rw, rw" ::: "memory");
}

void mm_zero_for_guest(void *p, size_t len) { mm_zero(p, len); }
