/* Who holds which device MMIO range: the hypervisor's own devices (console UART, its disk, the
 * GIC) and the devices passed through to each VM. A range is held by one owner at a time, so a
 * VM is never given what the hypervisor or another VM drives. */
#ifndef BASE_DEVCLAIM_H
#define BASE_DEVCLAIM_H

#include <lib/types.h>

#define DEVCLAIM_HYPERVISOR ((const void *)1) /* owner tag of the base's own devices */

struct dev_claim {
    u64 base, size;
    const void *owner;
    char what[32];
};

/* Records [base, base+size) for owner. Returns 0, or -1 when it overlaps another owner's claim
 * (*conflict set to it) or the table is full (*conflict NULL). Re-claiming for the same owner is fine. */
int dev_claim(u64 base, u64 size, const void *owner, const char *what, const struct dev_claim **conflict);
/* The first claim overlapping the range, or NULL. */
const struct dev_claim *dev_claim_find(u64 base, u64 size);
void dev_release_all(const void *owner);
/* Copies up to max of owner's claims to out; returns how many. */
size_t dev_claim_list(const void *owner, struct dev_claim *out, size_t max);

#endif
