/* Events interrupted by an exit (<arch/exit_event.h>). */
#include <arch/exit_event.h>

u64 svm_event_reinject(u64 exitintinfo)
{
    if (!(exitintinfo & SVM_EVENT_VALID))
        return 0;
    u8 vector = SVM_EVENT_VECTOR(exitintinfo);
    if (SVM_EVENT_TYPE(exitintinfo) == SVM_EVENT_TYPE_EXCEPTION && (vector >= 32 || vector == 2)) {
        /* No exception has such a vector: an interrupt (no error code) or the NMI. */
        u32 type = vector == 2 ? SVM_EVENT_TYPE_NMI : SVM_EVENT_TYPE_INTR;
        return SVM_EVENT_VALID | (type << 8) | vector;
    }
    return exitintinfo;
}

enum x86_npf_action x86_npf_action(bool ram_brought_in, bool fetch, bool delivering)
{
    if (ram_brought_in)
        return X86_NPF_RETRY;
    if (fetch)
        return X86_NPF_FETCH_FAULT;
    return delivering ? X86_NPF_DELIVERY_FAULT : X86_NPF_EMULATE;
}
