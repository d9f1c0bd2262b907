/* A per-vCPU cache of the last translated guest code page, for the MMIO instruction fetch (no
 * decode assists under TCG: every MMIO exit would walk the guest's page tables). It keeps where
 * each paging entry of the last walk lies in host memory and what it held: a hit re-reads those
 * few entries through the kept pointers and compares, so it gives exactly what a new walk would
 * (whatever the guest changed in its tables, without an INVLPG to notice), minus the lookups of
 * the VM's RAM that are most of a walk's cost. Keyed by what selects the walk: CR3, the paging
 * mode bits, the linear page, and the VM's unmap generation. Pure logic, host-tested. */
#ifndef ARCH_CODE_CACHE_H
#define ARCH_CODE_CACHE_H

#include <arch/guest_walk.h>
#include <lib/types.h>

#define X86_WALK_MAX_ENTRIES 5 /* PAE's PDPTE, then up to four levels */

struct x86_code_cache {
    bool valid;
    u32 gen;            /* the VM's unmap generation when filled */
    struct x86_paging key; /* only the bits that select the walk (x86_code_cache_key) */
    u64 la_page;        /* the linear 4 KiB page */
    u8 entries;
    const void *entry[X86_WALK_MAX_ENTRIES]; /* host pointers of the paging entries read */
    u64 value[X86_WALK_MAX_ENTRIES];
    u8 bytes[X86_WALK_MAX_ENTRIES];          /* 4 or 8 */
    const u8 *page;     /* host pointer of the guest-physical 4 KiB page it maps to */
};

/* A walk's reads as it goes (the caller's read callback appends each one it served). */
struct x86_walk_record {
    u8 entries;
    bool overflow;
    const void *entry[X86_WALK_MAX_ENTRIES];
    u64 value[X86_WALK_MAX_ENTRIES];
    u8 bytes[X86_WALK_MAX_ENTRIES];
};

void x86_walk_record_add(struct x86_walk_record *r, const void *host, u64 value, unsigned bytes);

/* The host pointer of the byte at linear address la if the cache holds its page and the walk's
 * entries still hold what they held; NULL otherwise. */
const u8 *x86_code_cache_lookup(const struct x86_code_cache *c, const struct x86_paging *p, u32 gen, u64 la);

/* Keeps a completed walk of la's page (page: host pointer of its 4 KiB guest-physical page). */
void x86_code_cache_fill(struct x86_code_cache *c, const struct x86_paging *p, u32 gen, u64 la,
                         const struct x86_walk_record *r, const u8 *page);

static inline void x86_code_cache_clear(struct x86_code_cache *c) { c->valid = false; }

#endif
