/* Small-object heap for hypervisor bookkeeping (VM and vCPU structs, config arenas).
 * First-fit free list with coalescing over arenas the caller donates; 16-byte alignment.
 * Pure logic, host-testable. The global instance is locked by the caller (base/core/kmem.c). */
#ifndef BASE_HEAP_H
#define BASE_HEAP_H

#include <lib/types.h>

struct heap_block;

struct heap {
    struct heap_block *free_list; /* address-ordered */
    size_t total;                 /* bytes donated */
    size_t used;                  /* bytes handed out, including headers */
};

void heap_init(struct heap *h);
/* Donates [mem, mem+size) to the heap. */
void heap_add(struct heap *h, void *mem, size_t size);
void *heap_alloc(struct heap *h, size_t size);   /* NULL when no block fits */
void heap_free(struct heap *h, void *ptr);       /* NULL is ignored */
size_t heap_free_bytes(const struct heap *h);

#endif
