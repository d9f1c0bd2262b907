#include <base/mm.h>
#include <lib/string.h>

/* x86 keeps instruction fetch coherent with data writes (a jump after the write suffices). */
void mm_sync_for_exec(void *p, size_t len)
{
    (void)p, (void)len;
    __asm__ volatile("" ::: "memory");
}

void mm_zero(void *p, size_t len) { memset(p, 0, len); }

/* x86 caches are coherent with every observer (other CPUs, devices, a guest with caching off):
 * there is nothing to clean. */
void mm_clean_dcache(void *p, size_t len) { (void)p, (void)len; }

void mm_zero_for_guest(void *p, size_t len) { mm_zero(p, len); }
