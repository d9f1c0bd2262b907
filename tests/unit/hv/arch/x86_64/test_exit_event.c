/* Events interrupted by an exit (hv/arch/x86_64/exit_event.c): what is delivered again, and what
 * a nested page fault taken while the CPU was delivering one calls for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/exit_event.h>

#define EV(type, vector) (SVM_EVENT_VALID | ((u64)(type) << 8) | (vector))

static void test_nothing_interrupted_nothing_injected(void **state)
{
    (void)state;
    assert_int_equal(svm_event_reinject(0), 0);
    /* QEMU leaves the last event's vector and type with the valid bit clear */
    assert_int_equal(svm_event_reinject(0x340), 0);
}

static void test_events_go_back_as_reported(void **state)
{
    (void)state;
    /* an interrupt cvisor injected (type 0), as it was */
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_INTR, 0x31)), EV(SVM_EVENT_TYPE_INTR, 0x31));
    /* #GP with its error code (bits 63:32) */
    u64 gp = EV(SVM_EVENT_TYPE_EXCEPTION, 13) | SVM_EVENT_ERROR_VALID | (0x102ull << 32);
    assert_int_equal(svm_event_reinject(gp), gp);
    /* #UD, #PF, a software interrupt (INT 0x80), the NMI */
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_EXCEPTION, 6)), EV(SVM_EVENT_TYPE_EXCEPTION, 6));
    u64 pf = EV(SVM_EVENT_TYPE_EXCEPTION, 14) | SVM_EVENT_ERROR_VALID | (2ull << 32);
    assert_int_equal(svm_event_reinject(pf), pf);
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_SOFT_INT, 0x80)), EV(SVM_EVENT_TYPE_SOFT_INT, 0x80));
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_NMI, 2)), EV(SVM_EVENT_TYPE_NMI, 2));
}

/* What QEMU's TCG reports for an interrupt the guest took itself (local APIC passthrough): type
 * "exception", which its VMRUN refuses from vector 31 on. It goes back as an interrupt. */
static void test_an_interrupt_reported_as_exception_goes_back_as_interrupt(void **state)
{
    (void)state;
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_EXCEPTION, 0x40)), EV(SVM_EVENT_TYPE_INTR, 0x40));
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_EXCEPTION, 0x20)), EV(SVM_EVENT_TYPE_INTR, 0x20));
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_EXCEPTION, 0xff)), EV(SVM_EVENT_TYPE_INTR, 0xff));
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_EXCEPTION, 2)), EV(SVM_EVENT_TYPE_NMI, 2));
    /* (the last exception vector stays one) */
    assert_int_equal(svm_event_reinject(EV(SVM_EVENT_TYPE_EXCEPTION, 31)), EV(SVM_EVENT_TYPE_EXCEPTION, 31));
}

static void test_npf_during_delivery_is_retried_or_ends_never_emulated(void **state)
{
    (void)state;
    /* RAM brought in: enter again, the event delivered again, with or without one */
    assert_int_equal(x86_npf_action(true, false, true), X86_NPF_RETRY);
    assert_int_equal(x86_npf_action(true, false, false), X86_NPF_RETRY);
    /* a device page while delivering (frame pushed or IDT read there): not the instruction's */
    assert_int_equal(x86_npf_action(false, false, true), X86_NPF_DELIVERY_FAULT);
    /* the instruction's own access: emulated */
    assert_int_equal(x86_npf_action(false, false, false), X86_NPF_EMULATE);
    assert_int_equal(x86_npf_action(false, true, false), X86_NPF_FETCH_FAULT);
    assert_int_equal(x86_npf_action(false, true, true), X86_NPF_FETCH_FAULT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_interrupted_nothing_injected),
        cmocka_unit_test(test_events_go_back_as_reported),
        cmocka_unit_test(test_an_interrupt_reported_as_exception_goes_back_as_interrupt),
        cmocka_unit_test(test_npf_during_delivery_is_retried_or_ends_never_emulated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
