/* Translating a guest-virtual (linear) address the way the guest's own paging does, to fetch the
 * instruction at its RIP (no decode assists under TCG): no paging, 32-bit two-level paging (4 MiB
 * pages with CR4.PSE), PAE and 4-level long-mode paging (2 MiB and 1 GiB pages). Only presence
 * is checked: the hypervisor reads what the guest could execute. Pure logic over a callback that
 * reads guest-physical memory, host-testable. */
#ifndef ARCH_GUEST_WALK_H
#define ARCH_GUEST_WALK_H

#include <lib/types.h>

struct x86_paging {
    u64 cr0, cr3, cr4, efer;
};

/* Reads a little-endian entry of `bytes` (4 or 8) at guest-physical gpa; false when it is not
 * guest RAM. */
typedef bool (*x86_read_gpa_fn)(void *ctx, u64 gpa, unsigned bytes, u64 *value);

/* 0 and *gpa, or -1 when a level is not present or not readable. */
int x86_guest_translate(const struct x86_paging *p, u64 linear, x86_read_gpa_fn read, void *ctx, u64 *gpa);

#endif
