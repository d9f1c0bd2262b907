/* Unit tests of the stage-2 data abort decoder (<arch/dabt.h>), which the exit vector's fast path
 * (vcpu_arch_fast_abort) and the full exit path share: syndromes of real load/store forms, and
 * the value a load leaves in its register. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/dabt.h>

#define EC_DABT (0x24ull << 26)
#define IL (1ull << 25)
#define SAS(n) ((u64)(n) << 22)
#define SRT(n) ((u64)(n) << 16)
#define DFSC_TRANS_L3 0x07u
#define DFSC_PERM_L3 0x0fu

static void ldr_w_translation_fault(void **state)
{
    (void)state;
    struct dabt d;
    /* ldr w5, [x0] at guest-physical 0x0800_0004: HPFAR holds IPA[47:12] in bits [43:4]. */
    dabt_decode(EC_DABT | IL | DABT_ISV | SAS(2) | SRT(5) | DFSC_TRANS_L3, 0xffff000008000004ull,
                0x08000ull << 4, &d);
    assert_true(d.valid);
    assert_false(d.write);
    assert_false(d.s1ptw);
    assert_false(d.sign);
    assert_false(d.sf);
    assert_int_equal(d.width, 4);
    assert_int_equal(d.reg, 5);
    assert_int_equal(d.ipa, 0x08000004ull);
    assert_true(dabt_translation_fault(&d));
    assert_int_equal(dabt_load_value(&d, 0xdeadbeef12345678ull), 0x12345678ull);
}

static void store_and_stage1_walk_and_no_syndrome(void **state)
{
    (void)state;
    struct dabt d;
    /* str x30, [x1] */
    dabt_decode(EC_DABT | IL | DABT_ISV | SAS(3) | SRT(30) | DABT_SF | DABT_WNR | DFSC_TRANS_L3, 0x123,
                0xfffffffffff0ull, &d);
    assert_true(d.write);
    assert_int_equal(d.width, 8);
    assert_int_equal(d.reg, 30);
    assert_int_equal(d.ipa, 0xffffffffff123ull); /* HPFAR_EL2.FIPA is [43:4]: 52 bits of IPA at most */
    /* the guest's own table walk faulted; a permission fault; a load pair (no ISV) */
    dabt_decode(EC_DABT | IL | DABT_S1PTW | DFSC_TRANS_L3, 0, 0, &d);
    assert_true(d.s1ptw);
    dabt_decode(EC_DABT | IL | DABT_ISV | SAS(2) | DFSC_PERM_L3, 0, 0, &d);
    assert_false(dabt_translation_fault(&d));
    dabt_decode(EC_DABT | IL | DFSC_TRANS_L3, 0, 0, &d);
    assert_false(d.valid);
    assert_true(dabt_translation_fault(&d));
}

static void load_extensions(void **state)
{
    (void)state;
    struct dabt d;
    /* ldrsh x2: sign-extended to 64 bits */
    dabt_decode(EC_DABT | IL | DABT_ISV | SAS(1) | DABT_SSE | DABT_SF | SRT(2) | DFSC_TRANS_L3, 0, 0, &d);
    assert_int_equal(d.width, 2);
    assert_int_equal(dabt_load_value(&d, 0x12348001ull), 0xffffffffffff8001ull);
    assert_int_equal(dabt_load_value(&d, 0x7001ull), 0x7001ull);
    /* ldrsh w2: to 32 bits, the upper half zero */
    d.sf = false;
    assert_int_equal(dabt_load_value(&d, 0x8001ull), 0xffff8001ull);
    /* ldrb w2, ldrsb x2, ldrsw x2, ldr x2 */
    dabt_decode(EC_DABT | IL | DABT_ISV | SAS(0) | SRT(2) | DFSC_TRANS_L3, 0, 0, &d);
    assert_int_equal(dabt_load_value(&d, 0x1ff), 0xff);
    dabt_decode(EC_DABT | IL | DABT_ISV | SAS(0) | DABT_SSE | DABT_SF | SRT(2) | DFSC_TRANS_L3, 0, 0, &d);
    assert_int_equal(dabt_load_value(&d, 0x80), 0xffffffffffffff80ull);
    dabt_decode(EC_DABT | IL | DABT_ISV | SAS(2) | DABT_SSE | DABT_SF | SRT(2) | DFSC_TRANS_L3, 0, 0, &d);
    assert_int_equal(dabt_load_value(&d, 0x80000000ull), 0xffffffff80000000ull);
    dabt_decode(EC_DABT | IL | DABT_ISV | SAS(3) | DABT_SF | SRT(2) | DFSC_TRANS_L3, 0, 0, &d);
    assert_int_equal(dabt_load_value(&d, 0x8000000000000001ull), 0x8000000000000001ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ldr_w_translation_fault),
        cmocka_unit_test(store_and_stage1_walk_and_no_syndrome),
        cmocka_unit_test(load_extensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
