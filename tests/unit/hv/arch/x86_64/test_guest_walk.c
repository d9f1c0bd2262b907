/* The guest page-table walk that fetches the instruction at a guest's RIP
 * (hv/arch/x86_64/guest_walk.c): every paging mode over a fake guest memory, large pages,
 * not-present entries, and tables outside guest RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_paging),
        cmocka_unit_test(test_32bit_paging),
        cmocka_unit_test(test_pae_and_long_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
