/* Loading a built-in guest image: copied and cleaned to the point of coherency in one pass
 * (image_copy.S), for a guest that starts with its MMU and caches off. */
#include <arch/sysreg.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <lib/string.h>

void image_copy_clean_256(void *dst, const void *src, u64 len);

void vm_arch_copy_image(void *dst, const void *src, u64 size)
{
    u64 line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf); /* CTR_EL0.DminLine */
    u64 bulk = ALIGN_DOWN(size, 256);
    if (line != 64 || !IS_ALIGNED((uintptr_t)dst | (uintptr_t)src, 64) || !bulk) {
        bulk = 0; /* (the loop cleans by 64-byte lines) */
    } else {
        image_copy_clean_256(dst, src, bulk); /* (mm_sync_for_exec's DSB completes its cleans) */
    }
    memcpy((char *)dst + bulk, (const char *)src + bulk, size - bulk);
    mm_sync_for_exec((char *)dst + bulk, size - bulk); /* the tail; and the I-cache for all */
}
