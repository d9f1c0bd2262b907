#include <base/mm.h>
#include <lib/string.h>

/* Data caches are coherent with instruction fetch only through fence.i (this hart). */
void mm_sync_for_exec(void *p, size_t len)
{
    (void)p, (void)len;
    __asm__ volatile("fence rw, rw\n fence.i" ::: "memory");
}

void mm_zero(void *p, size_t len) { memset(p, 0, len); }
