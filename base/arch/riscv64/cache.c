#include <base/mm.h>
#include <lib/string.h>

/* Data caches are coherent with instruction fetch only through fence.i (this hart). */
void mm_sync_for_exec(void *p, size_t len)
{
    (void)p, (void)len;
    __asm__ volatile("fence rw, rw\n fence.i" ::: "memory");
}

/* Page zeroing (a guest's on-demand RAM comes in 2 MiB at a time): 64 bytes per loop pass, ten
 * instructions, where memset's loop takes four for every 8 bytes. */
void mm_zero(void *p, size_t len)
{
    u64 *w = p;
    if (((uintptr_t)p | len) & 63) {
        memset(p, 0, len);
        return;
    }
    for (u64 *end = w + len / 8; w < end; w += 8)
        __asm__ volatile("sd zero, 0(%0)\n sd zero, 8(%0)\n sd zero, 16(%0)\n sd zero, 24(%0)\n"
                         "sd zero, 32(%0)\n sd zero, 40(%0)\n sd zero, 48(%0)\n sd zero, 56(%0)"
                         ::"r"(w) : "memory");
}

/* Caches are coherent with memory for every agent on RISC-V (no cache maintenance instructions
 * in the base ISA): a guest with its MMU off reads what the hypervisor wrote. */
void mm_clean_dcache(void *p, size_t len)
{
    (void)p, (void)len;
    __asm__ volatile("fence rw, rw" ::: "memory");
}

void mm_zero_for_guest(void *p, size_t len) { mm_zero(p, len); }
