/* Physical page allocator: one bitmap per RAM range found in the host DTB, and a second one
 * saying which free pages are known to hold zeros (scrubbed when freed), so that whoever hands
 * a page to a guest zeroes only those that may hold someone's data.
 * Pure logic over caller-provided memory, so host unit tests drive it directly.
 * Addresses are host-physical; the allocator never touches the pages themselves. */
#ifndef BASE_PAGE_ALLOC_H
#define BASE_PAGE_ALLOC_H

#include <lib/addr.h>
#include <lib/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define PAGE_ALLOC_MAX_ZONES 8

struct page_zone {
    u64 base;    /* host-physical, page aligned */
    u64 pages;   /* number of pages */
    u64 *bitmap; /* 1 bit per page, 1 = used */
    u64 *zero;   /* 1 bit per page, 1 = known to hold only zeros (exact for free pages; for a used
                  * page, what it was when allocated: allocation leaves these bits alone) */
    u64 free;    /* free pages in this zone */
    u64 hint;    /* page index where the next search starts */
};

struct page_alloc {
    struct page_zone zones[PAGE_ALLOC_MAX_ZONES];
    size_t zone_count;
};

/* What a page holds when it is freed. */
enum page_content {
    PAGE_DIRTY,     /* anything (the default: page_alloc_free) */
    PAGE_ZERO,      /* the caller zeroed it */
    PAGE_UNCHANGED, /* as when it was allocated: never written since */
};

/* Bytes of bitmap storage (both bitmaps) needed for a zone of `size` bytes. */
size_t page_alloc_bitmap_bytes(u64 size);

void page_alloc_init(struct page_alloc *pa);
/* Adds RAM [base, base+size) (rounded inwards to pages) as free, of unknown contents, using
 * bitmap storage (page_alloc_bitmap_bytes(size) bytes, zeroed by this call). Returns 0, -1 if no zone slot,
 * bitmap is NULL, the range wraps around or it overlaps an existing zone. A range holding no
 * whole page is accepted (0) and ignored. */
int page_alloc_add_zone(struct page_alloc *pa, hpa_t base, u64 size, u64 *bitmap);

/* Marks [base, base+size) used (rounded outwards to pages). Fails (-1, nothing changed) if any
 * page in the range is outside every zone and strict is true, or is already used. Used for
 * the hypervisor image, the DTB and identity-mapped guest regions. Pages outside all zones are
 * ignored when strict is false. */
int page_alloc_reserve(struct page_alloc *pa, hpa_t base, u64 size, bool strict); /* size 0: no-op */

/* Allocates `count` contiguous pages whose address is a multiple of `align` bytes
 * (a power of two >= PAGE_SIZE). Returns 0 and sets *out, or -1 if no such run exists (or
 * count is 0 / align is invalid). Zones are tried in the order they were added; within a zone
 * the search starts at the zone's hint (just past the previous allocation) and wraps. */
int page_alloc_alloc(struct page_alloc *pa, u64 count, u64 align, hpa_t *out);
/* Frees pages (base page aligned; count 0 is a no-op). Freeing a page that is not allocated
 * or lies outside every zone is reported by returning -1, and then nothing is freed. A range
 * may span adjacent zones, so a reservation can be released with one call. */
int page_alloc_free(struct page_alloc *pa, hpa_t base, u64 count);
/* The same, saying what the pages hold now. */
int page_alloc_free_as(struct page_alloc *pa, hpa_t base, u64 count, enum page_content content);
/* Bit i set when page i of the n (at most 64) pages from base is known to hold zeros. Pages
 * outside every zone are never known zero. */
u64 page_alloc_zero_mask(const struct page_alloc *pa, hpa_t base, u64 n);

u64 page_alloc_free_pages(const struct page_alloc *pa);
u64 page_alloc_total_pages(const struct page_alloc *pa);

#endif
