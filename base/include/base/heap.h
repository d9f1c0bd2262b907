/* Small-object heap for hypervisor bookkeeping (VM and vCPU structs, config arenas).
 * First-fit free list with coalescing over arenas the caller donates; 16-byte alignment.
 * Pure logic, host-testable. The global instance is locked by the caller (base/core/kmem.c).
 *
 * Every block carries a 16-byte header (size and a canary derived from its address, size and
 * state). heap_free checks that the pointer lies in a donated arena and that its header is an
 * intact in-use header; a bad pointer or a double free is then ignored (the heap stays
 * intact) and counted in `bad_frees` so the caller can log it. */
#ifndef BASE_HEAP_H
#define BASE_HEAP_H

#include <lib/types.h>

struct heap_block;
struct heap_arena;

struct heap {
    struct heap_block *free_list; /* address-ordered */
    struct heap_arena *arenas;    /* donated regions (their header lives at their start) */
    size_t total;                 /* bytes donated */
    size_t used;                  /* bytes handed out, including headers */
    size_t bad_frees;             /* heap_free calls ignored: bad pointer or double free */
};

void heap_init(struct heap *h);
/* Donates [mem, mem+size) to the heap. Arenas are trimmed to 16-byte alignment and lose 16
 * bytes to a header; a region too small to hold a block, or overlapping an arena already
 * donated, is ignored. */
void heap_add(struct heap *h, void *mem, size_t size);
/* Returns 16-byte aligned memory, or NULL when no block fits. size 0 yields a minimal block
 * (a unique pointer), so NULL always means "out of memory". */
void *heap_alloc(struct heap *h, size_t size);
void heap_free(struct heap *h, void *ptr); /* NULL is ignored */
/* Bytes in free blocks, block headers included: after every allocation is freed this is back
 * to its value right after the heap_add calls. The largest possible allocation is smaller. */
size_t heap_free_bytes(const struct heap *h);

#endif
