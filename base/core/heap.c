/* Small-object heap: first fit over an address-ordered free list, coalescing on free.
 *
 * Layout: each donated arena starts with a struct heap_arena, followed by blocks that tile
 * the rest of it. A block is a 16-byte header (size, canary) followed by the payload; free
 * blocks keep the free-list link in the first payload word. Keeping the list sorted by
 * address makes coalescing a matter of looking at the two list neighbours, and first fit
 * over it tends to keep long-lived objects at low addresses. The heap holds few, mostly
 * long-lived objects, so the linear walks are cheap compared with their simplicity.
 *
 * No locking: the caller serialises access. */
#include <base/heap.h>
#include <lib/string.h>

#define HEAP_ALIGN 16u
#define HEAP_MAGIC_USED 0x6376686561705553ull /* "cvheapUS" */
#define HEAP_MAGIC_FREE 0x6376686561704652ull /* "cvheapFR" */

struct heap_block {
    u64 size;                /* whole block, header included; a multiple of HEAP_ALIGN */
    u64 canary;              /* HEAP_MAGIC_* ^ address ^ size; 0 once merged into a neighbour */
    struct heap_block *next; /* free blocks only: first payload word */
};

struct heap_arena {
    struct heap_arena *next;
    uintptr_t end; /* one past the last usable byte */
};

#define BLOCK_HDR offsetof(struct heap_block, next)
#define ARENA_HDR ALIGN_UP(sizeof(struct heap_arena), HEAP_ALIGN)
/* Smallest block: a header plus room for the free-list link once it is freed. */
#define MIN_BLOCK ALIGN_UP(sizeof(struct heap_block), HEAP_ALIGN)

_Static_assert(offsetof(struct heap_block, next) == HEAP_ALIGN, "payload must stay 16-byte aligned");

/* The canary binds the state to the block's address and size, so a stale or forged pointer,
 * a freed block and a header whose size was overwritten are all told apart from a live one. */
static u64 canary(const struct heap_block *b, u64 magic)
{
    return magic ^ (u64)(uintptr_t)b ^ b->size;
}

static uintptr_t block_end(const struct heap_block *b)
{
    return (uintptr_t)b + (uintptr_t)b->size;
}

void heap_init(struct heap *h)
{
    memset(h, 0, sizeof(*h));
}

/* Puts `b` (header size already set) on the free list in address order, merging it with the
 * previous and next free blocks when they touch. */
static void insert_free(struct heap *h, struct heap_block *b)
{
    struct heap_block *prev = NULL;
    struct heap_block *next = h->free_list;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }
    if (prev && block_end(prev) == (uintptr_t)b) {
        prev->size += b->size;
        b->canary = 0; /* a later free of b's stale pointer must not validate */
        b = prev;
    } else {
        b->next = next;
        if (prev)
            prev->next = b;
        else
            h->free_list = b;
    }
    if (next && block_end(b) == (uintptr_t)next) {
        b->size += next->size;
        b->next = next->next;
        next->canary = 0;
    }
    b->canary = canary(b, HEAP_MAGIC_FREE);
}

static bool arena_overlaps(const struct heap *h, uintptr_t start, uintptr_t end)
{
    for (const struct heap_arena *a = h->arenas; a; a = a->next) {
        if (start < a->end && (uintptr_t)a < end)
            return true;
    }
    return false;
}

void heap_add(struct heap *h, void *mem, size_t size)
{
    uintptr_t raw = (uintptr_t)mem;
    if (!mem || size > UINTPTR_MAX - raw)
        return;
    uintptr_t start = ALIGN_UP(raw, (uintptr_t)HEAP_ALIGN);
    uintptr_t end = ALIGN_DOWN(raw + size, (uintptr_t)HEAP_ALIGN);
    if (end <= start || end - start < ARENA_HDR + MIN_BLOCK || arena_overlaps(h, start, end))
        return;
    struct heap_arena *a = (struct heap_arena *)start;
    a->end = end;
    a->next = h->arenas;
    h->arenas = a;
    struct heap_block *b = (struct heap_block *)(start + ARENA_HDR);
    b->size = end - (uintptr_t)b;
    h->total += size;
    insert_free(h, b);
}

void *heap_alloc(struct heap *h, size_t size)
{
    if (size > SIZE_MAX - BLOCK_HDR - HEAP_ALIGN)
        return NULL;
    u64 need = MAX(ALIGN_UP((u64)size + BLOCK_HDR, HEAP_ALIGN), (u64)MIN_BLOCK);
    for (struct heap_block **link = &h->free_list; *link; link = &(*link)->next) {
        struct heap_block *b = *link;
        if (b->size < need)
            continue;
        if (b->size - need >= MIN_BLOCK) {
            /* Split: hand out the front, the tail takes b's place in the list (same order). */
            struct heap_block *rest = (struct heap_block *)((uintptr_t)b + need);
            rest->size = b->size - need;
            rest->next = b->next;
            rest->canary = canary(rest, HEAP_MAGIC_FREE);
            *link = rest;
            b->size = need;
        } else {
            *link = b->next;
        }
        b->canary = canary(b, HEAP_MAGIC_USED);
        h->used += b->size;
        return (void *)((uintptr_t)b + BLOCK_HDR);
    }
    return NULL;
}

/* The in-use block behind `ptr`, or NULL if ptr was not returned by heap_alloc or was freed.
 * The arena check comes first so a wild pointer's "header" is never read outside the heap. */
static struct heap_block *used_block(const struct heap *h, void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!IS_ALIGNED(p, (uintptr_t)HEAP_ALIGN))
        return NULL;
    for (const struct heap_arena *a = h->arenas; a; a = a->next) {
        uintptr_t first = (uintptr_t)a + ARENA_HDR;
        if (p < first + BLOCK_HDR || p >= a->end)
            continue;
        struct heap_block *b = (struct heap_block *)(p - BLOCK_HDR);
        if (b->canary != canary(b, HEAP_MAGIC_USED))
            return NULL;
        if (b->size < MIN_BLOCK || b->size > a->end - (uintptr_t)b || !IS_ALIGNED(b->size, HEAP_ALIGN))
            return NULL;
        return b;
    }
    return NULL;
}

void heap_free(struct heap *h, void *ptr)
{
    if (!ptr)
        return;
    struct heap_block *b = used_block(h, ptr);
    if (!b) {
        h->bad_frees++;
        return;
    }
    h->used -= b->size;
    insert_free(h, b);
}

size_t heap_free_bytes(const struct heap *h)
{
    size_t n = 0;
    for (const struct heap_block *b = h->free_list; b; b = b->next)
        n += b->size;
    return n;
}
