/* See <lib/range_carve.h>. */
#include <lib/range_carve.h>

static int emit(struct range_piece *out, size_t max, size_t *n, u64 start, u64 end, int kind)
{
    if (start >= end)
        return 0;
    if (*n == max)
        return -1;
    out[(*n)++] = (struct range_piece){start, end, kind};
    return 0;
}

int range_carve(u64 start, u64 end, const struct range_piece *cuts, size_t cut_count, int rest_kind,
                struct range_piece *out, size_t max)
{
    size_t n = 0;
    u64 at = start, prev_end = 0;
    for (size_t i = 0; i < cut_count; i++) {
        const struct range_piece *c = &cuts[i];
        if (c->start >= c->end)
            continue;
        if (c->start < prev_end)
            return -1; /* unsorted or overlapping */
        prev_end = c->end;
        u64 cs = c->start > start ? c->start : start;
        u64 ce = c->end < end ? c->end : end;
        if (cs >= ce)
            continue; /* outside [start, end) */
        if (emit(out, max, &n, at, cs, rest_kind) != 0 || emit(out, max, &n, cs, ce, c->kind) != 0)
            return -1;
        at = ce;
    }
    if (emit(out, max, &n, at, end, rest_kind) != 0)
        return -1;
    return (int)n;
}
