/* What an exit means for the event the CPU was delivering when it came (SVM's EXITINTINFO, in
 * the format of EVENTINJ: vector 7:0, type 10:8, error code valid 11, valid 31, error code
 * 63:32; APM vol. 2, 15.7.2 and 15.20). Pure logic (exit_event.c), host-tested. */
#ifndef ARCH_EXIT_EVENT_H
#define ARCH_EXIT_EVENT_H

#include <lib/types.h>

#define SVM_EVENT_VALID (1u << 31)
#define SVM_EVENT_ERROR_VALID (1u << 11)
#define SVM_EVENT_TYPE(e) (((e) >> 8) & 7u)
#define SVM_EVENT_TYPE_INTR 0u
#define SVM_EVENT_TYPE_NMI 2u
#define SVM_EVENT_TYPE_EXCEPTION 3u
#define SVM_EVENT_TYPE_SOFT_INT 4u
#define SVM_EVENT_VECTOR(e) ((u8)(e))

/* The EVENTINJ value that delivers again the event an exit interrupted (0: none). As the CPU
 * reports it, except where QEMU's TCG reports an interrupt or NMI it was delivering as an
 * exception (vector 32 and up, or 2), which its VMRUN then refuses (VMEXIT_INVALID): such an
 * event goes back as the external interrupt or NMI it is. */
u64 svm_event_reinject(u64 exitintinfo);

/* What a nested page fault calls for. */
enum x86_npf_action {
    X86_NPF_RETRY,          /* RAM brought in: enter again (the event, if any, delivered again) */
    X86_NPF_FETCH_FAULT,    /* an instruction fetched outside the VM's RAM: the VM ends */
    X86_NPF_DELIVERY_FAULT, /* the CPU was delivering an event (pushing its frame, reading the
                             * IDT, GDT or TSS) on a device page: no instruction to emulate (the
                             * one at RIP is the interrupted one), the VM ends */
    X86_NPF_EMULATE,        /* an access by the instruction at RIP: decode and emulate it */
};
enum x86_npf_action x86_npf_action(bool ram_brought_in, bool fetch, bool delivering);

#endif
