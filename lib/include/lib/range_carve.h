/* Carving a range into pieces of different kinds: used to map RAM with the hypervisor image's
 * code and read-only data cut out of it, each piece with its own permissions. Host-testable. */
#ifndef LIB_RANGE_CARVE_H
#define LIB_RANGE_CARVE_H

#include <lib/types.h>

struct range_piece {
    u64 start, end; /* [start, end) */
    int kind;
};

/* Splits [start, end) into pieces in address order: where it meets one of `cuts` (sorted by
 * start, not overlapping one another; empty cuts are ignored) the piece takes that cut's kind,
 * elsewhere `rest_kind`. Empty pieces are left out. Returns the number of pieces written to
 * `out`, or -1 if the cuts are unsorted or overlap, or `max` is too small (nothing useful is
 * in `out` then). */
int range_carve(u64 start, u64 end, const struct range_piece *cuts, size_t cut_count, int rest_kind,
                struct range_piece *out, size_t max);

#endif
