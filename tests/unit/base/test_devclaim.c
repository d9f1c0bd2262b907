/* Device range ownership (base/core/devclaim.c): one owner per range, re-claims by the same
 * owner, release by owner, lookups by overlap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <base/devclaim.h>
#include <lib/string.h>

static const int vm_a, vm_b; /* owner tags */

static void release_everyone(void)
{
    dev_release_all(DEVCLAIM_HYPERVISOR);
    dev_release_all(&vm_a);
    dev_release_all(&vm_b);
}

static void one_owner_per_range(void **state)
{
    (void)state;
    release_everyone();
    const struct dev_claim *c = NULL;
    assert_int_equal(dev_claim(0x9000000, 0x1000, DEVCLAIM_HYPERVISOR, "console", &c), 0);
    assert_null(c);
    /* overlapping by one byte at either end */
    assert_int_equal(dev_claim(0x8fff000, 0x1001, &vm_a, "x", &c), -1);
    assert_non_null(c);
    assert_ptr_equal(c->owner, DEVCLAIM_HYPERVISOR);
    assert_string_equal(c->what, "console");
    assert_int_equal(dev_claim(0x9000fff, 0x10, &vm_a, "x", &c), -1);
    /* touching is not overlapping */
    assert_int_equal(dev_claim(0x9001000, 0x1000, &vm_a, "rtc", &c), 0);
    assert_int_equal(dev_claim(0x8fff000, 0x1000, &vm_b, "gpio", &c), 0);
    /* the same owner may claim again (a VM rebuilt on restart) */
    assert_int_equal(dev_claim(0x9001000, 0x1000, &vm_a, "rtc", &c), 0);
    assert_int_equal(dev_claim(0x9001800, 0x100, &vm_b, "y", &c), -1);
    assert_ptr_equal(c->owner, &vm_a);
}

static void find_and_release(void **state)
{
    (void)state;
    release_everyone();
    assert_null(dev_claim_find(0, 0x100000000ull));
    assert_int_equal(dev_claim(0xa000000, 0x1000, &vm_a, "virtio0", NULL), 0);
    assert_int_equal(dev_claim(0xa003000, 0x1000, DEVCLAIM_HYPERVISOR, "disk", NULL), 0);
    const struct dev_claim *c = dev_claim_find(0xa003e00, 0x200);
    assert_non_null(c);
    assert_string_equal(c->what, "disk");
    assert_null(dev_claim_find(0xa001000, 0x2000));
    dev_release_all(&vm_a);
    assert_null(dev_claim_find(0xa000000, 0x1000));
    assert_int_equal(dev_claim(0xa000000, 0x1000, &vm_b, "virtio0", NULL), 0); /* free for another VM now */
    assert_non_null(dev_claim_find(0xa003000, 1));
}

static void table_full_is_an_error_not_a_crash(void **state)
{
    (void)state;
    release_everyone();
    int ok = 0;
    for (int i = 0; i < 1000; i++)
        if (dev_claim(0x100000ull * (u64)i, 0x1000, &vm_a, "many", NULL) == 0)
            ok++;
    assert_true(ok > 10 && ok < 1000);
    const struct dev_claim *c = (const struct dev_claim *)1;
    assert_int_equal(dev_claim(0xfff000000ull, 0x1000, &vm_b, "one more", &c), -1);
    assert_null(c); /* full, not a conflict */
    dev_release_all(&vm_a);
    assert_int_equal(dev_claim(0xfff000000ull, 0x1000, &vm_b, "one more", &c), 0);
}

static void long_names_are_cut(void **state)
{
    (void)state;
    release_everyone();
    assert_int_equal(dev_claim(0x1000, 0x1000, &vm_a, "vm1 /a/very/long/device/tree/path/that/goes/on@1000", NULL), 0);
    const struct dev_claim *c = dev_claim_find(0x1000, 1);
    assert_non_null(c);
    assert_true(strlen(c->what) < sizeof(c->what));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_owner_per_range),
        cmocka_unit_test(find_and_release),
        cmocka_unit_test(table_full_is_an_error_not_a_crash),
        cmocka_unit_test(long_names_are_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
