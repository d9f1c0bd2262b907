/* The guest's page-table walk (<arch/guest_walk.h>). Facts: AMD64 APM vol. 2, 5.2-5.3. */
#include <arch/guest_walk.h>

#define CR0_PG_BIT (1ull << 31)
#define CR4_PSE_BIT (1ull << 4)
#define CR4_PAE_BIT (1ull << 5)
#define EFER_LMA_BIT (1ull << 10)
#define P_BIT 1ull
#define PS_BIT (1ull << 7)
#define ADDR_MASK 0x000ffffffffff000ull

int x86_guest_translate(const struct x86_paging *p, u64 la, x86_read_gpa_fn read, void *ctx, u64 *gpa)
{
    u64 e;
    if (!(p->cr0 & CR0_PG_BIT)) {
        *gpa = (p->efer & EFER_LMA_BIT) ? la : la & 0xffffffffull;
        return 0;
    }
    if (!(p->cr4 & CR4_PAE_BIT)) { /* 32-bit paging: 10 + 10 + 12 bits */
        la &= 0xffffffffull;
        if (!read(ctx, (p->cr3 & 0xfffff000ull) + ((la >> 22) & 0x3ff) * 4, 4, &e) || !(e & P_BIT))
            return -1;
        if ((e & PS_BIT) && (p->cr4 & CR4_PSE_BIT)) {
            *gpa = (e & 0xffc00000ull) | (la & 0x3fffff);
            return 0;
        }
        if (!read(ctx, (e & 0xfffff000ull) + ((la >> 12) & 0x3ff) * 4, 4, &e) || !(e & P_BIT))
            return -1;
        *gpa = (e & 0xfffff000ull) | (la & 0xfff);
        return 0;
    }
    int level;
    u64 table;
    if (p->efer & EFER_LMA_BIT) { /* 4-level: PML4 (level 3) down to PT (level 0) */
        level = 3;
        table = p->cr3 & ADDR_MASK;
    } else { /* PAE: four PDPTEs at CR3 (32-byte aligned) */
        la &= 0xffffffffull;
        if (!read(ctx, (p->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8, 8, &e) || !(e & P_BIT))
            return -1;
        level = 1;
        table = e & ADDR_MASK;
    }
    for (; level >= 0; level--) {
        unsigned shift = 12 + 9 * (unsigned)level;
        if (!read(ctx, table + ((la >> shift) & 0x1ff) * 8, 8, &e) || !(e & P_BIT))
            return -1;
        if (level == 0 || ((e & PS_BIT) && level <= 2)) {
            u64 page_mask = (1ull << shift) - 1;
            *gpa = ((e & ADDR_MASK) & ~page_mask) | (la & page_mask);
            return 0;
        }
        table = e & ADDR_MASK;
    }
    return -1;
}
