/* Memory services of the base: host pages and a locked heap. The hypervisor runs with an
 * identity map, so a host-physical address is also the pointer the hypervisor uses. */
#ifndef BASE_MM_H
#define BASE_MM_H

#include <base/page_alloc.h>
#include <lib/addr.h>
#include <lib/pgtable.h>
#include <lib/types.h>

static inline void *hpa_to_ptr(hpa_t pa) { return (void *)(uintptr_t)pa.val; }
static inline hpa_t ptr_to_hpa(const void *p) { return hpa((u64)(uintptr_t)p); }

struct machine;
/* Boot: the page allocator over the machine's RAM (minus its reserved ranges, the image and the
 * allocator's own bitmaps), the base's own identity map of RAM and device ranges (MMU on), the
 * heap. */
void mm_init(const struct machine *m, u64 image_start, u64 image_end);

/* Pages (locked wrappers over the global page allocator). Allocated pages hold whatever they
 * held (mm_zero_mask says which are known to be zero); whoever shows a page to a guest zeroes it
 * first unless it is known zero. */
int mm_alloc_pages(u64 count, u64 align, hpa_t *out);
int mm_reserve(hpa_t base, u64 size);
void mm_free_pages(hpa_t base, u64 count); /* contents: anything */
void mm_free_pages_as(hpa_t base, u64 count, enum page_content content);
/* Bit i set when page i of the n (at most 64) pages from base is known to hold zeros. */
u64 mm_zero_mask(hpa_t base, u64 n);
u64 mm_free_page_count(void);
u64 mm_total_page_count(void);
/* The heap's counters (used: bytes handed out, headers included; total: bytes of the pages it
 * has taken), for a memory report, read without the heap lock (a snapshot). A pointer rather
 * than a function: code linked before the EL2 vector table moves it in 2 KiB steps
 * (docs/bench.md, Footprint). */
struct heap;
extern const struct heap *const mm_heap_view;
void *mm_alloc_zeroed_page(hpa_t *pa);

/* Table memory for lib/pgtable users (the base's own map, a hypervisor's stage-2 tables):
 * tables and multi-table roots from the page allocator, identity mapped. */
extern const struct pt_mem mm_pt_mem;

/* Heap. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

struct mem_range {
    u64 base;
    u64 size;
};
/* Host RAM as the machine description gives it (<base/machine.h>). */
size_t mm_ram_ranges(struct mem_range *out, size_t max);
/* Memory the base itself keeps: its image, stacks, DTB, and the firmware's reserved memory. */
size_t mm_reserved_ranges(struct mem_range *out, size_t max);
/* Memory the host DTB reserves (/memreserve/, /reserved-memory): never allocated. */
size_t mm_firmware_reserved_ranges(struct mem_range *out, size_t max);

/* Clean data cache lines covering [p, p+len) to the point of coherency, and invalidate the
 * instruction cache: needed after writing guest code through the hypervisor's mapping. */
void mm_sync_for_exec(void *p, size_t len);
/* Fast zeroing of large ranges of normal memory. */
void mm_zero(void *p, size_t len);
/* Clean data cache lines covering [p, p+len) to the point of coherency. */
void mm_clean_dcache(void *p, size_t len);
/* Zeroes memory a guest will see, cleaned to the point of coherency: a guest running with its
 * caches off reads memory, not the hypervisor's cache lines. */
void mm_zero_for_guest(void *p, size_t len);

#endif
