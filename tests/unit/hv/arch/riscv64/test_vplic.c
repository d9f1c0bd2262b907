/* The riscv64 virtual PLIC (hv/arch/riscv64/vplic.c): the register map as QEMU virt's PLIC and
 * Linux's irq-sifive-plic driver use it, the interrupt state (level and edge sources, claim and
 * complete, priorities and thresholds per context), and what a hostile guest may do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/vplic.h>

#define S0 VPLIC_CONTEXT_S(0) /* hart 0's S-mode context */
#define S1 VPLIC_CONTEXT_S(1)
#define M0 0u                 /* hart 0's M-mode context */

static u64 rd(struct vplic *p, u64 off)
{
    u64 v = 0xdeadbeef;
    assert_true(vplic_read(p, off, 4, &v));
    return v;
}

static void wr(struct vplic *p, u64 off, u64 v) { assert_true(vplic_write(p, off, 4, v)); }

static u64 prio_reg(u32 src) { return VPLIC_PRIORITY + 4u * src; }
static u64 enable_reg(u32 ctx, u32 src) { return VPLIC_ENABLE + VPLIC_ENABLE_STRIDE * ctx + 4u * (src / 32); }
static u64 threshold_reg(u32 ctx) { return VPLIC_CONTEXT + (u64)VPLIC_CONTEXT_STRIDE * ctx; }
static u64 claim_reg(u32 ctx) { return threshold_reg(ctx) + 4; }

/* What Linux does for one source on one context: priority 1, enabled, threshold 0. */
static void linux_setup(struct vplic *p, u32 ctx, u32 src)
{
    wr(p, prio_reg(src), 1);
    wr(p, enable_reg(ctx, src), rd(p, enable_reg(ctx, src)) | (1u << (src % 32)));
    wr(p, threshold_reg(ctx), 0);
}

static void test_layout(void **state)
{
    (void)state;
    struct vplic p;
    vplic_init(&p, 2);
    assert_int_equal(p.contexts, 4);
    assert_int_equal(VPLIC_SIZE(4), 0x204000);
    /* priorities: 3 bits, source 0 hardwired to 0 */
    wr(&p, prio_reg(10), 0xff);
    assert_int_equal(rd(&p, prio_reg(10)), 7);
    wr(&p, prio_reg(0), 5);
    assert_int_equal(rd(&p, prio_reg(0)), 0);
    wr(&p, prio_reg(95), 3);
    assert_int_equal(rd(&p, prio_reg(95)), 3);
    /* enables per context; bit 0 (source 0) cannot be set */
    wr(&p, enable_reg(S1, 0), 0xffffffff);
    assert_int_equal(rd(&p, enable_reg(S1, 0)), 0xfffffffe);
    assert_int_equal(rd(&p, enable_reg(S0, 0)), 0);
    wr(&p, enable_reg(M0, 64), 0x80000000u);
    assert_int_equal(rd(&p, enable_reg(M0, 95)), 0x80000000u);
    /* thresholds */
    wr(&p, threshold_reg(S0), 0x1f);
    assert_int_equal(rd(&p, threshold_reg(S0)), 7);
    assert_int_equal(rd(&p, threshold_reg(S1)), 0);
    /* 32-bit aligned words only */
    u64 v;
    assert_false(vplic_read(&p, prio_reg(1), 8, &v));
    assert_false(vplic_read(&p, prio_reg(1) + 1, 4, &v));
    assert_false(vplic_write(&p, prio_reg(1), 1, 1));
    assert_false(vplic_write(&p, threshold_reg(S0) + 2, 4, 0));
}

static void test_level_claim_complete(void **state)
{
    (void)state;
    struct vplic p;
    vplic_init(&p, 1);
    linux_setup(&p, S0, 10);
    assert_false(vplic_context_output(&p, S0));
    assert_int_equal(rd(&p, claim_reg(S0)), 0); /* nothing to claim */

    assert_true(vplic_set_level(&p, 10, true));
    assert_true(vplic_context_output(&p, S0));
    assert_false(vplic_context_output(&p, M0)); /* not enabled there */
    assert_int_equal(rd(&p, VPLIC_PENDING), 1u << 10);

    assert_int_equal(rd(&p, claim_reg(S0)), 10);
    /* in service: no longer pending, no output, a second claim finds nothing */
    assert_false(vplic_context_output(&p, S0));
    assert_int_equal(rd(&p, VPLIC_PENDING), 0);
    assert_int_equal(rd(&p, claim_reg(S0)), 0);

    /* completed with the line still high: pending again */
    wr(&p, claim_reg(S0), 10);
    assert_true(vplic_context_output(&p, S0));
    assert_int_equal(rd(&p, claim_reg(S0)), 10);
    /* the device lowers its line while in service, then completion: nothing pending */
    assert_true(vplic_set_level(&p, 10, false));
    wr(&p, claim_reg(S0), 10);
    assert_false(vplic_context_output(&p, S0));
    assert_int_equal(rd(&p, VPLIC_PENDING), 0);

    /* a line that drops before it is claimed is no longer pending */
    vplic_set_level(&p, 10, true);
    assert_true(vplic_context_output(&p, S0));
    vplic_set_level(&p, 10, false);
    assert_false(vplic_context_output(&p, S0));
}

/* Only a claim read changes state: the MMIO path recomputes the outputs after it alone. */
static void test_only_claim_reads_change_state(void **state)
{
    (void)state;
    struct vplic p;
    vplic_init(&p, 2);
    linux_setup(&p, S0, 10);
    vplic_set_level(&p, 10, true);
    u64 reads[] = {4 * 10, VPLIC_PENDING, VPLIC_ENABLE + VPLIC_ENABLE_STRIDE * S0, VPLIC_CONTEXT + VPLIC_CONTEXT_STRIDE * S0};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        assert_false(vplic_read_claims(reads[i]));
        rd(&p, reads[i]);
        assert_true(vplic_context_output(&p, S0)); /* still pending, not claimed */
    }
    assert_true(vplic_read_claims(claim_reg(S0)));
    assert_true(vplic_read_claims(claim_reg(M0)));
    assert_int_equal(rd(&p, claim_reg(S0)), 10);
    assert_false(vplic_context_output(&p, S0));
}

static void test_edge(void **state)
{
    (void)state;
    struct vplic p;
    vplic_init(&p, 1);
    linux_setup(&p, S0, 33);
    assert_true(vplic_raise(&p, 33));
    assert_int_equal(rd(&p, VPLIC_PENDING + 4), 1u << 1);
    assert_true(vplic_context_output(&p, S0));
    assert_int_equal(rd(&p, claim_reg(S0)), 33);
    /* an edge while in service waits for the completion */
    vplic_raise(&p, 33);
    assert_false(vplic_context_output(&p, S0));
    wr(&p, claim_reg(S0), 33);
    assert_true(vplic_context_output(&p, S0));
    assert_int_equal(rd(&p, claim_reg(S0)), 33);
    wr(&p, claim_reg(S0), 33);
    assert_false(vplic_context_output(&p, S0)); /* one edge, one claim */
}

static void test_priority_threshold_enable(void **state)
{
    (void)state;
    struct vplic p;
    vplic_init(&p, 2);
    linux_setup(&p, S0, 5);
    linux_setup(&p, S0, 7);
    linux_setup(&p, S0, 40);
    wr(&p, prio_reg(7), 3);
    vplic_set_level(&p, 5, true);
    vplic_set_level(&p, 7, true);
    vplic_set_level(&p, 40, true);
    /* the highest priority first, then the lowest number among equals */
    assert_int_equal(rd(&p, claim_reg(S0)), 7);
    assert_int_equal(rd(&p, claim_reg(S0)), 5);
    assert_int_equal(rd(&p, claim_reg(S0)), 40);
    assert_int_equal(rd(&p, claim_reg(S0)), 0);
    wr(&p, claim_reg(S0), 5);
    wr(&p, claim_reg(S0), 7);
    wr(&p, claim_reg(S0), 40);

    /* a threshold masks priorities at or below it */
    wr(&p, threshold_reg(S0), 3);
    assert_false(vplic_context_output(&p, S0));
    assert_int_equal(rd(&p, claim_reg(S0)), 0);
    wr(&p, threshold_reg(S0), 2);
    assert_true(vplic_context_output(&p, S0));
    assert_int_equal(rd(&p, claim_reg(S0)), 7);
    wr(&p, claim_reg(S0), 7);
    wr(&p, threshold_reg(S0), 0);

    /* priority 0 never interrupts */
    wr(&p, prio_reg(5), 0);
    wr(&p, prio_reg(7), 0);
    wr(&p, prio_reg(40), 0);
    assert_false(vplic_context_output(&p, S0));
    wr(&p, prio_reg(40), 1);

    /* contexts are independent: only hart 1's S context has source 40 enabled now */
    wr(&p, enable_reg(S0, 40), 0);
    assert_false(vplic_context_output(&p, S0));
    wr(&p, enable_reg(S1, 40), 1u << (40 % 32));
    assert_true(vplic_context_output(&p, S1));
    /* completing from a context where it is not enabled is ignored */
    assert_int_equal(rd(&p, claim_reg(S1)), 40);
    wr(&p, claim_reg(S0), 40);
    assert_int_equal(rd(&p, VPLIC_PENDING + 4), 0); /* still in service */
    wr(&p, claim_reg(S1), 40);
    assert_int_equal(rd(&p, VPLIC_PENDING + 4), 1u << (40 % 32));
}

/* Everything a guest can write to a PLIC window, out of range or not, is taken or ignored. */
static void test_hostile(void **state)
{
    (void)state;
    struct vplic p;
    vplic_init(&p, 1);
    linux_setup(&p, S0, 10);
    vplic_set_level(&p, 10, true);
    struct vplic before = p;
    /* sources and contexts the PLIC lacks */
    assert_false(vplic_set_level(&p, 0, true));
    assert_false(vplic_set_level(&p, VPLIC_SOURCES, true));
    assert_false(vplic_raise(&p, 0xffffffffu));
    wr(&p, prio_reg(VPLIC_SOURCES), 7);
    wr(&p, prio_reg(1023), 7);
    wr(&p, enable_reg(2, 10), ~0u);                       /* context 2: hart 1, which it lacks */
    wr(&p, enable_reg(S0, 96), ~0u);                      /* word 3: sources 96..127 */
    wr(&p, VPLIC_ENABLE + VPLIC_ENABLE_STRIDE * 15871 + 0x7c, ~0u);
    wr(&p, threshold_reg(2), 1);
    wr(&p, threshold_reg(15871), 1);
    wr(&p, claim_reg(2), 10);
    wr(&p, claim_reg(S0) + 4, 1);                         /* reserved word of a context */
    wr(&p, VPLIC_PENDING, ~0u);                           /* pending is read-only */
    wr(&p, claim_reg(S0), 0);                             /* completing nothing */
    wr(&p, claim_reg(S0), 10);                            /* completing what is not claimed */
    wr(&p, claim_reg(S0), 0xffffffffu);
    wr(&p, 0x3fffffc, ~0u);                               /* the end of the 64 MiB map */
    wr(&p, ~3ull, ~0u);
    assert_memory_equal(&before, &p, sizeof(p));
    /* reads there are zero, and claim nothing */
    assert_int_equal(rd(&p, claim_reg(2)), 0);
    assert_int_equal(rd(&p, enable_reg(2, 10)), 0);
    assert_int_equal(rd(&p, VPLIC_PENDING + 12), 0);
    assert_int_equal(rd(&p, prio_reg(VPLIC_SOURCES)), 0);
    assert_int_equal(rd(&p, ~3ull), 0);
    assert_memory_equal(&before, &p, sizeof(p));
    assert_int_equal(rd(&p, claim_reg(S0)), 10);
    /* more harts than a PLIC holds are cut to its maximum */
    vplic_init(&p, 1000);
    assert_int_equal(p.contexts, VPLIC_MAX_CONTEXTS);
    assert_false(vplic_context_output(&p, VPLIC_MAX_CONTEXTS));
}

/* A filtered PLIC (standing in for a passed-through host PLIC): only the VM's own sources exist;
 * the others' priorities and enables read 0 whatever the guest writes, their lines are refused,
 * and nothing of theirs is ever claimed. */
static void test_filtered(void **state)
{
    (void)state;
    struct vplic p;
    vplic_init(&p, 1);
    vplic_filter(&p);
    assert_true(vplic_own(&p, 10));
    assert_true(vplic_own(&p, 40));
    assert_false(vplic_own(&p, 0));
    assert_false(vplic_own(&p, VPLIC_SOURCES));
    for (u32 src = 1; src < VPLIC_SOURCES; src++)
        wr(&p, prio_reg(src), 7);
    for (u32 src = 1; src < VPLIC_SOURCES; src++)
        assert_int_equal(rd(&p, prio_reg(src)), src == 10 || src == 40 ? 7 : 0);
    for (u32 w = 0; w < VPLIC_WORDS; w++)
        wr(&p, enable_reg(S0, w * 32), 0xffffffff);
    assert_int_equal(rd(&p, enable_reg(S0, 0)), 1u << 10);
    assert_int_equal(rd(&p, enable_reg(S0, 32)), 1u << 8);
    assert_int_equal(rd(&p, enable_reg(S0, 64)), 0);
    /* another source's line is not taken; the VM's own works as ever */
    assert_false(vplic_set_level(&p, 11, true));
    assert_false(vplic_raise(&p, 8));
    assert_int_equal(rd(&p, VPLIC_PENDING), 0);
    assert_false(vplic_context_output(&p, S0));
    assert_true(vplic_set_level(&p, 10, true));
    assert_int_equal(rd(&p, claim_reg(S0)), 10);
    assert_int_equal(rd(&p, claim_reg(S0)), 0);
}

/* What the delivery relies on (virq.c, plic_deliver_rise/fall): when one source's request rises,
 * a context's output becomes (old output or vplic_requests for that source); when it falls (a
 * claim, a line dropped), the outputs of contexts that do not enable it stay as they were. Checked
 * over a pseudo-random walk of priorities, enables, thresholds, lines, edges and claims on two
 * harts, against each context's output computed afresh. */
static void test_one_source_changes_only_its_contexts(void **state)
{
    (void)state;
    struct vplic p;
    vplic_init(&p, 2);
    u32 seed = 12345;
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        u32 r = seed >> 8, src = 1 + r % 40, ctx = (r >> 6) % p.contexts;
        bool before[VPLIC_MAX_CONTEXTS];
        for (u32 c = 0; c < p.contexts; c++)
            before[c] = vplic_context_output(&p, c);
        switch ((r >> 12) % 6) {
        case 0: /* configuration: not a one-source change, no property to check */
            wr(&p, prio_reg(src), r >> 16);
            continue;
        case 1:
            wr(&p, enable_reg(ctx, src), (r >> 16) * 2654435761u);
            continue;
        case 2:
            wr(&p, threshold_reg(ctx), (r >> 16) % 8);
            continue;
        case 3: /* a rise: a line goes high or an edge comes */
            if ((r >> 16) & 1)
                vplic_set_level(&p, src, true);
            else
                vplic_raise(&p, src);
            for (u32 c = 0; c < p.contexts; c++)
                assert_int_equal(vplic_context_output(&p, c), before[c] || vplic_requests(&p, c, src));
            continue;
        case 4: { /* a fall: a line drops, or a claim */
            u32 fell = src;
            if ((r >> 16) & 1) {
                vplic_set_level(&p, src, false);
            } else {
                fell = (u32)rd(&p, claim_reg(ctx));
                if (!fell) {
                    for (u32 c = 0; c < p.contexts; c++) /* a claim of nothing changes nothing */
                        assert_int_equal(vplic_context_output(&p, c), before[c]);
                    continue;
                }
                assert_true(vplic_enables(&p, ctx, fell));
            }
            for (u32 c = 0; c < p.contexts; c++)
                if (!vplic_enables(&p, c, fell))
                    assert_int_equal(vplic_context_output(&p, c), before[c]);
            continue;
        }
        default: /* a completion (no property: the full recomputation follows a write) */
            wr(&p, claim_reg(ctx), src);
            continue;
        }
    }
    /* contexts and sources the PLIC lacks */
    assert_false(vplic_enables(&p, p.contexts, 1));
    assert_false(vplic_requests(&p, p.contexts, 1));
    assert_false(vplic_enables(&p, S0, 0));
    assert_false(vplic_enables(&p, S0, VPLIC_SOURCES));
    assert_false(vplic_requests(&p, S0, VPLIC_SOURCES));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_level_claim_complete),
        cmocka_unit_test(test_only_claim_reads_change_state),
        cmocka_unit_test(test_edge),
        cmocka_unit_test(test_priority_threshold_enable),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_filtered),
        cmocka_unit_test(test_one_source_changes_only_its_contexts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
