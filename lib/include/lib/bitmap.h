/* Bitmaps of 64-bit words, bit i of word i / 64 for item i. */
#ifndef LIB_BITMAP_H
#define LIB_BITMAP_H

#include <lib/types.h>

/* The first item at or after `from` and below n whose bit is clear in both a and b, or n when
 * there is none (e.g. a LAZY page neither mapped nor known zero, hv/core/vm_mem.c). */
static inline u64 bitmap_next_clear_in_both(const u64 *a, const u64 *b, u64 from, u64 n)
{
    for (u64 w = from / 64; w * 64 < n; w++) {
        u64 clear = ~(a[w] | b[w]);
        if (w == from / 64)
            clear &= ~0ull << (from % 64);
        if (n - w * 64 < 64)
            clear &= (1ull << (n - w * 64)) - 1;
        if (clear)
            return w * 64 + (u64)__builtin_ctzll(clear);
    }
    return n;
}

#endif
