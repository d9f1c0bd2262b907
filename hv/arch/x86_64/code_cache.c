/* The per-vCPU code-page cache of the MMIO instruction fetch (<arch/code_cache.h>). */
#include <arch/code_cache.h>
#include <lib/string.h>

#define CR0_PG_BIT (1ull << 31)
#define CR3_ADDR_BITS 0x000ffffffffff000ull
#define CR3_PAE_BITS 0x00000000ffffffe0ull
#define CR4_PSE_PAE_BITS ((1ull << 4) | (1ull << 5))
#define EFER_LMA_BIT (1ull << 10)
#define PAGE_MASK_4K 0xfffull

/* What the walk depends on: paging on, the table root CR3 points to (the PDPT's 32-byte
 * alignment under PAE), PSE and PAE, long mode. Flags such as CR0.TS change often and select
 * nothing. */
static struct x86_paging key(const struct x86_paging *p)
{
    struct x86_paging k = {p->cr0 & CR0_PG_BIT, 0, 0, 0};
    if (k.cr0) {
        k.cr4 = p->cr4 & CR4_PSE_PAE_BITS;
        k.efer = p->efer & EFER_LMA_BIT;
        k.cr3 = p->cr3 & (k.cr4 && !k.efer ? CR3_PAE_BITS : CR3_ADDR_BITS);
    } else {
        k.efer = p->efer & EFER_LMA_BIT; /* 32-bit or 64-bit linear addresses */
    }
    return k;
}

void x86_walk_record_add(struct x86_walk_record *r, const void *host, u64 value, unsigned bytes)
{
    if (r->entries == X86_WALK_MAX_ENTRIES) {
        r->overflow = true;
        return;
    }
    r->entry[r->entries] = host;
    r->value[r->entries] = value;
    r->bytes[r->entries++] = (u8)bytes;
}

const u8 *x86_code_cache_lookup(const struct x86_code_cache *c, const struct x86_paging *p, u32 gen, u64 la)
{
    struct x86_paging k = key(p);
    if (!c->valid || c->gen != gen || c->la_page != (la & ~PAGE_MASK_4K) || memcmp(&k, &c->key, sizeof(k)) != 0)
        return NULL;
    for (u8 i = 0; i < c->entries; i++) {
        u64 now = c->bytes[i] == 8 ? __atomic_load_n((const u64 *)c->entry[i], __ATOMIC_RELAXED)
                                   : __atomic_load_n((const u32 *)c->entry[i], __ATOMIC_RELAXED);
        if (now != c->value[i])
            return NULL;
    }
    return c->page + (la & PAGE_MASK_4K);
}

void x86_code_cache_fill(struct x86_code_cache *c, const struct x86_paging *p, u32 gen, u64 la,
                         const struct x86_walk_record *r, const u8 *page)
{
    c->valid = false;
    if (r->overflow || !page)
        return;
    c->key = key(p);
    c->gen = gen;
    c->la_page = la & ~PAGE_MASK_4K;
    c->entries = r->entries;
    for (u8 i = 0; i < r->entries; i++) {
        c->entry[i] = r->entry[i];
        c->value[i] = r->value[i];
        c->bytes[i] = r->bytes[i];
    }
    c->page = page;
    c->valid = true;
}
