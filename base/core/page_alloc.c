/* Physical page allocator: one bitmap per zone, 1 bit per 4 KiB page (1 = used).
 *
 * A bitmap costs 32 KiB per 1 GiB of RAM, needs no memory of its own beyond that, answers
 * "is every page of this range free/used?" exactly (which reserve and free rely on for their
 * all-or-nothing behaviour) and can find aligned contiguous runs of any size, which buddy
 * lists only do up to their largest order. Scans go a 64-bit word at a time, so full or empty
 * stretches of a multi-GiB zone are skipped quickly.
 *
 * No locking: the caller serialises access. */
#include <base/page_alloc.h>
#include <lib/string.h>

#define WORD_BITS 64ull

/* Mask of `len` bits (1..64) starting at bit `shift` of a word; shift + len <= 64. */
static u64 bit_mask(u64 shift, u64 len)
{
    u64 low = len == WORD_BITS ? ~0ull : (1ull << len) - 1;
    return low << shift;
}

/* Index of the first bit in [from, to) equal to `used`, or `to` when there is none. Whole
 * words that cannot match are skipped without looking at their bits. */
static u64 find_first(const u64 *bm, u64 from, u64 to, bool used)
{
    u64 flip = used ? 0 : ~0ull; /* turns the wanted value into 1s */
    while (from < to) {
        u64 w = (bm[from / WORD_BITS] ^ flip) >> (from % WORD_BITS);
        if (w) {
            u64 i = from + (u64)__builtin_ctzll(w);
            return i < to ? i : to;
        }
        from = ALIGN_DOWN(from, WORD_BITS) + WORD_BITS;
    }
    return to;
}

/* Index of the last used bit in [from, to); false when every page there is free. */
static bool find_last_used(const u64 *bm, u64 from, u64 to, u64 *out)
{
    while (to > from) {
        u64 last = to - 1;
        u64 word_start = ALIGN_DOWN(last, WORD_BITS);
        u64 w = bm[last / WORD_BITS] & bit_mask(0, last - word_start + 1);
        if (w) {
            u64 i = word_start + 63 - (u64)__builtin_clzll(w);
            if (i < from)
                return false;
            *out = i;
            return true;
        }
        to = word_start;
    }
    return false;
}

static void fill_bits(u64 *bm, u64 first, u64 n, bool used)
{
    while (n) {
        u64 shift = first % WORD_BITS;
        u64 len = MIN(n, WORD_BITS - shift);
        u64 mask = bit_mask(shift, len);
        if (used)
            bm[first / WORD_BITS] |= mask;
        else
            bm[first / WORD_BITS] &= ~mask;
        first += len;
        n -= len;
    }
}

static bool all_bits(const u64 *bm, u64 first, u64 n, bool used)
{
    return find_first(bm, first, first + n, !used) == first + n;
}

static u64 zone_end(const struct page_zone *z)
{
    return z->base + (z->pages << PAGE_SHIFT);
}

/* Page-index slice of zone `z` covered by the page-aligned byte range [b, e). */
static bool zone_slice(const struct page_zone *z, u64 b, u64 e, u64 *first, u64 *n)
{
    u64 lo = MAX(b, z->base);
    u64 hi = MIN(e, zone_end(z));
    if (lo >= hi)
        return false;
    *first = (lo - z->base) >> PAGE_SHIFT;
    *n = (hi - lo) >> PAGE_SHIFT;
    return true;
}

/* Bytes of one bitmap for `pages` pages. */
static size_t one_bitmap_bytes(u64 pages)
{
    return (size_t)(ALIGN_UP(pages, WORD_BITS) / 8);
}

size_t page_alloc_bitmap_bytes(u64 size)
{
    /* Rounding a zone inwards never yields more than size / PAGE_SIZE pages. */
    return 2 * one_bitmap_bytes(size >> PAGE_SHIFT);
}

void page_alloc_init(struct page_alloc *pa)
{
    memset(pa, 0, sizeof(*pa));
}

BUILT_FOR_SIZE int page_alloc_add_zone(struct page_alloc *pa, hpa_t base, u64 size, u64 *bitmap)
{
    if (pa->zone_count >= PAGE_ALLOC_MAX_ZONES || !bitmap || size > ~0ull - base.val)
        return -1;
    u64 start = ALIGN_UP(base.val, PAGE_SIZE);
    u64 end = ALIGN_DOWN(base.val + size, PAGE_SIZE);
    if (start < base.val || end <= start)
        return 0; /* less than one whole page: nothing to manage */
    for (size_t i = 0; i < pa->zone_count; i++) {
        const struct page_zone *z = &pa->zones[i];
        if (ranges_overlap(start, end - start, z->base, zone_end(z) - z->base))
            return -1;
    }
    memset(bitmap, 0, page_alloc_bitmap_bytes(size));
    struct page_zone *z = &pa->zones[pa->zone_count++];
    z->base = start;
    z->pages = (end - start) >> PAGE_SHIFT;
    z->bitmap = bitmap;
    z->zero = bitmap + one_bitmap_bytes(size >> PAGE_SHIFT) / 8; /* nothing known zero yet */
    z->free = z->pages;
    z->hint = 0;
    return 0;
}

/* Page-aligned [*b, *e) covering [base, base+size) rounded outwards; false on wrap-around. */
static bool round_outwards(u64 base, u64 size, u64 *b, u64 *e)
{
    if (size - 1 > ~0ull - base)
        return false;
    u64 last = base + size - 1;
    if (last > ~0ull - PAGE_SIZE + 1)
        return false; /* the top page of the address space would make *e wrap to 0 */
    *b = ALIGN_DOWN(base, PAGE_SIZE);
    *e = ALIGN_DOWN(last, PAGE_SIZE) + PAGE_SIZE;
    return true;
}

/* Checks that every zone page in [b, e) is in state `from`; returns how many pages of the
 * range lie in zones, or -1 on a mismatch. Nothing is modified, so callers can validate a
 * whole range before changing any of it. */
static s64 check_range(const struct page_alloc *pa, u64 b, u64 e, bool from)
{
    u64 covered = 0;
    for (size_t i = 0; i < pa->zone_count; i++) {
        u64 first, n;
        if (!zone_slice(&pa->zones[i], b, e, &first, &n))
            continue;
        if (!all_bits(pa->zones[i].bitmap, first, n, from))
            return -1;
        covered += n;
    }
    return (s64)covered;
}

static void set_range(struct page_alloc *pa, u64 b, u64 e, bool used, enum page_content content)
{
    for (size_t i = 0; i < pa->zone_count; i++) {
        struct page_zone *z = &pa->zones[i];
        u64 first, n;
        if (!zone_slice(z, b, e, &first, &n))
            continue;
        fill_bits(z->bitmap, first, n, used);
        if (!used && content != PAGE_UNCHANGED)
            fill_bits(z->zero, first, n, content == PAGE_ZERO);
        if (used)
            z->free -= n;
        else
            z->free += n;
    }
}

BUILT_FOR_SIZE int page_alloc_reserve(struct page_alloc *pa, hpa_t base, u64 size, bool strict)
{
    u64 b, e;
    if (size == 0)
        return 0;
    if (!round_outwards(base.val, size, &b, &e))
        return -1;
    s64 covered = check_range(pa, b, e, false);
    if (covered < 0 || (strict && (u64)covered != (e - b) >> PAGE_SHIFT))
        return -1;
    set_range(pa, b, e, true, PAGE_UNCHANGED);
    return 0;
}

int page_alloc_free(struct page_alloc *pa, hpa_t base, u64 count)
{
    return page_alloc_free_as(pa, base, count, PAGE_DIRTY);
}

u64 page_alloc_zero_mask(const struct page_alloc *pa, hpa_t base, u64 n)
{
    u64 mask = 0;
    if (n > WORD_BITS || !IS_ALIGNED(base.val, PAGE_SIZE))
        return 0;
    for (u64 i = 0; i < n; i++) {
        u64 p = base.val + (i << PAGE_SHIFT);
        for (size_t k = 0; k < pa->zone_count; k++) {
            const struct page_zone *z = &pa->zones[k];
            if (p >= z->base && p < zone_end(z)) {
                u64 idx = (p - z->base) >> PAGE_SHIFT;
                mask |= ((z->zero[idx / WORD_BITS] >> (idx % WORD_BITS)) & 1) << i;
                break;
            }
        }
    }
    return mask;
}

int page_alloc_free_as(struct page_alloc *pa, hpa_t base, u64 count, enum page_content content)
{
    if (count == 0)
        return 0;
    if (!IS_ALIGNED(base.val, PAGE_SIZE) || count > (~0ull >> PAGE_SHIFT))
        return -1;
    u64 b, e;
    if (!round_outwards(base.val, count << PAGE_SHIFT, &b, &e))
        return -1;
    /* Every page must be inside a zone and currently used, else nothing is freed. */
    s64 covered = check_range(pa, b, e, true);
    if (covered < 0 || (u64)covered != count)
        return -1;
    set_range(pa, b, e, false, content);
    return 0;
}

/* Smallest page index >= i that is congruent to `phase` modulo `step` (a power of two). */
static u64 align_index(u64 i, u64 step, u64 phase)
{
    return i + ((phase - i) & (step - 1));
}

/* Finds a free run of `count` pages starting at an index s with from <= s < limit and
 * s == phase (mod step). Each probe looks for the *last* used page of the candidate run and
 * restarts beyond it, since no start up to that page can succeed; every bitmap word is thus
 * read a bounded number of times whatever the run length. */
static bool zone_search(const struct page_zone *z, u64 from, u64 limit, u64 count, u64 step, u64 phase,
                        u64 *out)
{
    if (count > z->pages)
        return false;
    limit = MIN(limit, z->pages - count + 1);
    u64 s = from;
    for (;;) {
        s = find_first(z->bitmap, s, limit, false);
        s = align_index(s, step, phase);
        if (s >= limit)
            return false;
        u64 used;
        if (!find_last_used(z->bitmap, s, s + count, &used)) {
            *out = s;
            return true;
        }
        s = used + 1;
    }
}

int page_alloc_alloc(struct page_alloc *pa, u64 count, u64 align, hpa_t *out)
{
    if (count == 0 || align < PAGE_SIZE || (align & (align - 1)))
        return -1;
    u64 step = align >> PAGE_SHIFT;
    for (size_t i = 0; i < pa->zone_count; i++) {
        struct page_zone *z = &pa->zones[i];
        if (z->free < count)
            continue;
        /* Alignment is of the physical address, so it depends on where the zone starts. */
        u64 phase = (0 - (z->base >> PAGE_SHIFT)) & (step - 1);
        u64 s;
        /* Next fit: search from the hint to the end, then wrap around to the start. */
        if (!zone_search(z, z->hint, z->pages, count, step, phase, &s) &&
            !zone_search(z, 0, z->hint, count, step, phase, &s))
            continue;
        fill_bits(z->bitmap, s, count, true);
        z->free -= count;
        z->hint = s + count < z->pages ? s + count : 0;
        *out = hpa(z->base + (s << PAGE_SHIFT));
        return 0;
    }
    return -1;
}

u64 page_alloc_free_pages(const struct page_alloc *pa)
{
    u64 n = 0;
    for (size_t i = 0; i < pa->zone_count; i++)
        n += pa->zones[i].free;
    return n;
}

u64 page_alloc_total_pages(const struct page_alloc *pa)
{
    u64 n = 0;
    for (size_t i = 0; i < pa->zone_count; i++)
        n += pa->zones[i].pages;
    return n;
}
