/* The shared-region table: a region is created (zeroed pages) by its first member, shared by
 * name with the same size only, freed with its last member and never before; doorbells reach
 * only the other ringable members that have an interrupt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#include <string.h>

#include <hv/shmem.h>

/* A fake allocator: hands out addresses, counts what is live, can be made to fail. */
static unsigned allocs, frees, live_pages;
static bool fail_alloc;
static u64 next_base = 0x80000000;
static u64 freed_base, freed_size;

static int fake_alloc(u64 size, hpa_t *out)
{
    if (fail_alloc)
        return -1;
    *out = hpa(next_base);
    next_base += size;
    allocs++;
    live_pages += (unsigned)(size / 4096);
    return 0;
}

static void fake_free(hpa_t base, u64 size)
{
    frees++;
    live_pages -= (unsigned)(size / 4096);
    freed_base = base.val;
    freed_size = size;
}

static const struct shmem_ops ops = {fake_alloc, fake_free};
static struct shmem_table t;
static int vm_a, vm_b, vm_c; /* owners: only their addresses matter */

static int reset(void **state)
{
    (void)state;
    memset(&t, 0, sizeof(t));
    t.ops = &ops;
    allocs = frees = live_pages = 0;
    fail_alloc = false;
    return 0;
}

static void first_member_creates_last_frees(void **state)
{
    (void)state;
    struct shmem_region *r1, *r2, *r3;
    assert_int_equal(shmem_attach(&t, "ring", false, 0x4000, 1, &vm_a, 48, &r1), SHMEM_OK);
    assert_int_equal(allocs, 1);
    assert_int_equal(r1->refs, 1);
    assert_int_equal(shmem_attach(&t, "ring", false, 0x4000, 2, &vm_b, 49, &r2), SHMEM_OK);
    assert_ptr_equal(r1, r2); /* the same region, the same pages */
    assert_int_equal(allocs, 1);
    assert_int_equal(r1->refs, 2);
    u64 base = r1->hpa.val;
    /* One member goes: the other keeps the pages. */
    assert_false(shmem_detach(&t, r1, 1));
    assert_int_equal(frees, 0);
    assert_int_equal(r1->refs, 1);
    assert_int_equal(r1->hpa.val, base);
    /* It comes back (a restart): joins, nothing allocated. */
    assert_int_equal(shmem_attach(&t, "ring", false, 0x4000, 1, &vm_a, 48, &r3), SHMEM_OK);
    assert_ptr_equal(r3, r1);
    assert_int_equal(allocs, 1);
    assert_false(shmem_detach(&t, r1, 2));
    assert_true(shmem_detach(&t, r1, 1));
    assert_int_equal(frees, 1);
    assert_int_equal(freed_base, base);
    assert_int_equal(freed_size, 0x4000);
    assert_int_equal(live_pages, 0);
    assert_string_equal(r1->name, ""); /* the entry is free again */
    /* A detach of a slot that is no member changes nothing. */
    assert_false(shmem_detach(&t, r1, 1));
    assert_int_equal(frees, 1);
}

static void errors_change_nothing(void **state)
{
    (void)state;
    struct shmem_region *r, *x = NULL;
    assert_int_equal(shmem_attach(&t, "ring", false, 0x4000, 1, &vm_a, 48, &r), SHMEM_OK);
    assert_int_equal(shmem_attach(&t, "ring", false, 0x2000, 2, &vm_b, 49, &x), SHMEM_ESIZE);
    assert_int_equal(shmem_attach(&t, "ring", false, 0x4000, 1, &vm_a, 48, &x), SHMEM_EMEMBER);
    assert_int_equal(shmem_attach(&t, "ring", false, 0x4000, SHMEM_MAX_MEMBERS, &vm_b, 49, &x), SHMEM_EMEMBER);
    assert_int_equal(shmem_attach(&t, "", false, 0x4000, 2, &vm_b, 49, &x), SHMEM_EMEMBER);
    assert_null(x);
    assert_int_equal(r->refs, 1);
    fail_alloc = true;
    assert_int_equal(shmem_attach(&t, "other", false, 0x1000, 2, &vm_b, 0, &x), SHMEM_ENOMEM);
    fail_alloc = false;
    assert_int_equal(allocs, 1);
    /* The table fills up, then refuses. */
    char name[8] = "r0";
    for (int i = 1; i < SHMEM_MAX; i++) {
        name[1] = (char)('a' + i);
        assert_int_equal(shmem_attach(&t, name, false, 0x1000, 2, &vm_b, 0, &x), SHMEM_OK);
    }
    assert_int_equal(shmem_attach(&t, "full", false, 0x1000, 2, &vm_b, 0, &x), SHMEM_EFULL);
    assert_string_equal(shmem_strerror(SHMEM_ESIZE), "the region exists with another size");
}

/* IVC channels are a namespace of their own; an unlisted (unpublished) one is found by nobody
 * new, its members keep it, and the name can be published again meanwhile. */
static void ivc_namespace_and_unlisting(void **state)
{
    (void)state;
    struct shmem_region *cfg_r, *ch, *again, *sub;
    assert_int_equal(shmem_attach(&t, "1:42", false, 0x1000, 1, &vm_a, 0, &cfg_r), SHMEM_OK);
    assert_int_equal(shmem_attach(&t, "1:42", true, 0x2000, 1, &vm_a, 0, &ch), SHMEM_OK);
    assert_ptr_not_equal(cfg_r, ch);
    assert_ptr_equal(shmem_lookup(&t, "1:42", true), ch);
    assert_int_equal(shmem_attach(&t, "1:42", true, 0x2000, 2, &vm_b, 49, &sub), SHMEM_OK);
    assert_ptr_equal(sub, ch);
    shmem_unlist(ch);
    assert_null(shmem_lookup(&t, "1:42", true));
    assert_int_equal(ch->refs, 2);
    assert_int_equal(shmem_attach(&t, "1:42", true, 0x2000, 1, &vm_a, 0, &again), SHMEM_OK);
    assert_ptr_not_equal(again, ch); /* a new channel, new pages */
    assert_int_equal(allocs, 3);
    assert_false(shmem_detach(&t, ch, 1));
    assert_true(shmem_detach(&t, ch, 2)); /* the subscriber was the last user of the old one */
    assert_ptr_equal(shmem_lookup(&t, "1:42", true), again);
}

static void doorbell_reaches_ringable_peers_only(void **state)
{
    (void)state;
    struct shmem_region *r;
    void *owners[SHMEM_MAX_MEMBERS];
    u32 irqs[SHMEM_MAX_MEMBERS];
    assert_int_equal(shmem_attach(&t, "ring", false, 0x1000, 1, &vm_a, 48, &r), SHMEM_OK);
    assert_int_equal(shmem_peers(r, 1, owners, irqs, SHMEM_MAX_MEMBERS), 0); /* alone */
    assert_int_equal(shmem_attach(&t, "ring", false, 0x1000, 2, &vm_b, 49, &r), SHMEM_OK);
    assert_int_equal(shmem_attach(&t, "ring", false, 0x1000, 3, &vm_c, 0, &r), SHMEM_OK); /* no doorbell */
    assert_int_equal(shmem_peers(r, 1, owners, irqs, SHMEM_MAX_MEMBERS), 1);
    assert_ptr_equal(owners[0], &vm_b);
    assert_int_equal(irqs[0], 49);
    assert_int_equal(shmem_peers(r, 3, owners, irqs, SHMEM_MAX_MEMBERS), 2);
    /* b starts coming apart: it still holds the pages, but no doorbell reaches it. */
    shmem_quiesce(r, 2);
    assert_int_equal(shmem_peers(r, 1, owners, irqs, SHMEM_MAX_MEMBERS), 0);
    assert_int_equal(r->refs, 3);
    assert_int_equal(shmem_peers(r, 3, owners, irqs, 1), 1);
    assert_ptr_equal(owners[0], &vm_a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(first_member_creates_last_frees, reset),
        cmocka_unit_test_setup(errors_change_nothing, reset),
        cmocka_unit_test_setup(doorbell_reaches_ringable_peers_only, reset),
        cmocka_unit_test_setup(ivc_namespace_and_unlisting, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
