/* The guest page-table walk that fetches the instruction at a guest's RIP
 * (hv/arch/x86_64/guest_walk.c): every paging mode over a fake guest memory, large pages,
 * not-present entries, and tables outside guest RAM; the code-page cache over it (code_cache.c):
 * a hit only while every entry of the walk still holds its value and the key is the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/code_cache.h>
#include <arch/guest_walk.h>
#include <lib/string.h>

#define MEM_SIZE 0x20000
static u8 mem[MEM_SIZE]; /* guest-physical 0 .. 128 KiB */

static bool rd(void *ctx, u64 gpa, unsigned bytes, u64 *v)
{
    (void)ctx;
    if (gpa + bytes > MEM_SIZE)
        return false;
    *v = 0;
    memcpy(v, mem + gpa, bytes);
    return true;
}

static void put32(u64 at, u32 v) { memcpy(mem + at, &v, 4); }
static void put64(u64 at, u64 v) { memcpy(mem + at, &v, 8); }

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)

static u64 walk_ok(struct x86_paging p, u64 la)
{
    u64 g = 0;
    assert_int_equal(x86_guest_translate(&p, la, rd, NULL, &g), 0);
    return g;
}

static void test_no_paging(void **state)
{
    (void)state;
    struct x86_paging p = {0};
    assert_int_equal(walk_ok(p, 0x123456789ull), 0x23456789ull); /* 32-bit linear addresses */
    p.efer = EFER_LMA;
    assert_int_equal(walk_ok(p, 0x123456789ull), 0x123456789ull);
}

static void test_32bit_paging(void **state)
{
    (void)state;
    memset(mem, 0, sizeof(mem));
    struct x86_paging p = {.cr0 = CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PSE};
    put32(0x1000 + 1 * 4, 0x2000 | 1);          /* PDE 1 (4 MiB .. 8 MiB) -> PT at 0x2000 */
    put32(0x2000 + 3 * 4, 0x7000 | 1);          /* PTE 3 -> page 0x7000 */
    put32(0x1000 + 2 * 4, 0x00c00000 | 0x81);   /* PDE 2: a 4 MiB page at 12 MiB */
    assert_int_equal(walk_ok(p, 0x403abc), 0x7abc);
    assert_int_equal(walk_ok(p, 0x812345), 0xc12345);
    u64 g;
    assert_int_equal(x86_guest_translate(&p, 0x404000, rd, NULL, &g), -1); /* PTE 4 not present */
    assert_int_equal(x86_guest_translate(&p, 0xc00000, rd, NULL, &g), -1); /* PDE 3 not present */
}

static void test_pae_and_long_mode(void **state)
{
    (void)state;
    memset(mem, 0, sizeof(mem));
    /* PAE: PDPTE 0 -> PD at 0x2000; PDE 1 -> PT at 0x3000; PDE 2 a 2 MiB page at 0x1000000. */
    struct x86_paging p = {.cr0 = CR0_PG, .cr3 = 0x1020, .cr4 = CR4_PAE};
    put64(0x1020, 0x2000 | 1);
    put64(0x2000 + 1 * 8, 0x3000 | 1);
    put64(0x3000 + 5 * 8, 0x9000 | 1);
    put64(0x2000 + 2 * 8, 0x1000000 | 0x81);
    assert_int_equal(walk_ok(p, 0x205123), 0x9123);
    assert_int_equal(walk_ok(p, 0x4abcde), 0x10abcde);
    /* 4-level: PML4 at 0x4000 -> PDPT 0x5000; PDPT[1] a 1 GiB page at 4 GiB; PDPT[0] -> PD 0x2000. */
    p = (struct x86_paging){.cr0 = CR0_PG, .cr3 = 0x4000, .cr4 = CR4_PAE, .efer = EFER_LMA};
    put64(0x4000, 0x5000 | 1);
    put64(0x5000, 0x2000 | 1);
    put64(0x5000 + 8, 0x100000000ull | 0x81);
    assert_int_equal(walk_ok(p, 0x205123), 0x9123);
    assert_int_equal(walk_ok(p, 0x40001234), 0x100001234ull);
    u64 g;
    assert_int_equal(x86_guest_translate(&p, 0x8000000000ull, rd, NULL, &g), -1); /* PML4[1] not present */
    /* A table outside guest RAM (a hostile CR3) is a failed walk, not a read anywhere. */
    p.cr3 = 0x7fff0000;
    assert_int_equal(x86_guest_translate(&p, 0x1000, rd, NULL, &g), -1);
}

/* A reader that records where each entry lies, as the hypervisor's does. */
static bool rd_record(void *ctx, u64 gpa, unsigned bytes, u64 *v)
{
    if (!rd(NULL, gpa, bytes, v))
        return false;
    x86_walk_record_add(ctx, mem + gpa, *v, bytes);
    return true;
}

/* Walks la as fetch_insn does on a miss and fills the cache with the walk. */
static void fill(struct x86_code_cache *c, const struct x86_paging *p, u32 gen, u64 la)
{
    struct x86_walk_record r = {0};
    u64 g;
    assert_int_equal(x86_guest_translate(p, la, rd_record, &r, &g), 0);
    x86_code_cache_fill(c, p, gen, la, &r, mem + (g & ~0xfffull));
}

static void test_code_cache(void **state)
{
    (void)state;
    memset(mem, 0, sizeof(mem));
    struct x86_code_cache c = {0};
    /* 4-level: PML4 0x4000 -> PDPT 0x5000 -> PD 0x2000 -> PT 0x3000 -> code page 0x9000. */
    struct x86_paging p = {.cr0 = CR0_PG, .cr3 = 0x4000, .cr4 = CR4_PAE, .efer = EFER_LMA};
    put64(0x4000, 0x5000 | 1);
    put64(0x5000, 0x2000 | 1);
    put64(0x2000 + 1 * 8, 0x3000 | 1);
    put64(0x3000 + 5 * 8, 0x9000 | 1);
    assert_null(x86_code_cache_lookup(&c, &p, 0, 0x205123)); /* empty */
    fill(&c, &p, 0, 0x205123);
    assert_int_equal(c.entries, 4);
    assert_ptr_equal(x86_code_cache_lookup(&c, &p, 0, 0x205123), mem + 0x9123);
    assert_ptr_equal(x86_code_cache_lookup(&c, &p, 0, 0x205ffe), mem + 0x9ffe); /* same page */
    assert_null(x86_code_cache_lookup(&c, &p, 0, 0x206000));                      /* next page */
    assert_null(x86_code_cache_lookup(&c, &p, 1, 0x205123));                      /* VM unmapped something */
    /* Flags that select nothing (CR0.TS, CR4.OSFXSR, CR3's PCD) keep the hit; the root, paging
     * mode and long mode do not. */
    struct x86_paging q = p;
    q.cr0 |= 1u << 3;
    q.cr4 |= 1u << 9;
    q.cr3 |= 1u << 4;
    assert_ptr_equal(x86_code_cache_lookup(&c, &q, 0, 0x205123), mem + 0x9123);
    q = p;
    q.cr3 = 0x6000;
    assert_null(x86_code_cache_lookup(&c, &q, 0, 0x205123));
    q = p;
    q.efer = 0;
    assert_null(x86_code_cache_lookup(&c, &q, 0, 0x205123));
    q = p;
    q.cr0 = 0;
    assert_null(x86_code_cache_lookup(&c, &q, 0, 0x205123));
    /* The guest rewrites any level (no INVLPG the hypervisor would see): a miss, and the walk
     * that follows finds the new page. */
    put64(0x3000 + 5 * 8, 0xa000 | 1);
    assert_null(x86_code_cache_lookup(&c, &p, 0, 0x205123));
    fill(&c, &p, 0, 0x205123);
    assert_ptr_equal(x86_code_cache_lookup(&c, &p, 0, 0x205123), mem + 0xa123);
    put64(0x2000 + 1 * 8, 0x3000 | 1 | 0x20); /* even a bit the walk ignores (accessed) */
    assert_null(x86_code_cache_lookup(&c, &p, 0, 0x205123));
    put64(0x2000 + 1 * 8, 0x3000 | 1); /* back as it was: the walk would give the page again */
    assert_ptr_equal(x86_code_cache_lookup(&c, &p, 0, 0x205123), mem + 0xa123);
    put64(0x4000, 0x5000 | 0); /* the PML4 entry dropped: the walk would fail, so must the cache */
    assert_null(x86_code_cache_lookup(&c, &p, 0, 0x205123));
}

static void test_code_cache_other_modes(void **state)
{
    (void)state;
    memset(mem, 0, sizeof(mem));
    struct x86_code_cache c = {0};
    /* No paging: nothing to re-read, the page is the linear one. */
    struct x86_paging p = {0};
    fill(&c, &p, 0, 0x7123);
    assert_int_equal(c.entries, 0);
    assert_ptr_equal(x86_code_cache_lookup(&c, &p, 0, 0x7456), mem + 0x7456);
    /* 32-bit paging with a 4 MiB page (one entry) and with a page table (two, 4 bytes each). */
    p = (struct x86_paging){.cr0 = CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PSE};
    put32(0x1000 + 0 * 4, 0x00000000 | 0x81); /* PDE 0: the 4 MiB page at 0 */
    fill(&c, &p, 0, 0x8123);
    assert_int_equal(c.entries, 1);
    assert_ptr_equal(x86_code_cache_lookup(&c, &p, 0, 0x8123), mem + 0x8123);
    put32(0x1000 + 0 * 4, 0x2000 | 1); /* now a page table */
    put32(0x2000 + 8 * 4, 0x9000 | 1);
    assert_null(x86_code_cache_lookup(&c, &p, 0, 0x8123));
    fill(&c, &p, 0, 0x8123);
    assert_int_equal(c.entries, 2);
    assert_ptr_equal(x86_code_cache_lookup(&c, &p, 0, 0x8123), mem + 0x9123);
    /* PAE: the PDPTE read from CR3 counts as an entry; CR3's low bits select the PDPT. */
    memset(mem, 0, sizeof(mem));
    p = (struct x86_paging){.cr0 = CR0_PG, .cr3 = 0x1020, .cr4 = CR4_PAE};
    put64(0x1020, 0x2000 | 1);
    put64(0x2000 + 1 * 8, 0x3000 | 1);
    put64(0x3000 + 5 * 8, 0x9000 | 1);
    fill(&c, &p, 0, 0x205123);
    assert_int_equal(c.entries, 3);
    assert_ptr_equal(x86_code_cache_lookup(&c, &p, 0, 0x205123), mem + 0x9123);
    struct x86_paging q = p;
    q.cr3 = 0x1040;
    assert_null(x86_code_cache_lookup(&c, &q, 0, 0x205123));
    /* A walk that read more entries than a walk can (never, but bounded) is not kept. */
    struct x86_walk_record r = {0};
    for (int i = 0; i < X86_WALK_MAX_ENTRIES + 1; i++)
        x86_walk_record_add(&r, mem, 0, 8);
    assert_true(r.overflow);
    x86_code_cache_fill(&c, &p, 0, 0x205123, &r, mem);
    assert_false(c.valid);
    assert_null(x86_code_cache_lookup(&c, &p, 0, 0x205123));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_paging),
        cmocka_unit_test(test_32bit_paging),
        cmocka_unit_test(test_pae_and_long_mode),
        cmocka_unit_test(test_code_cache),
        cmocka_unit_test(test_code_cache_other_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
