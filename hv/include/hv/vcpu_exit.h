/* Why a vCPU stopped running guest code, decoded by the architecture layer into a form the
 * generic run loop handles (in the spirit of axvcpu's exit reasons). */
#ifndef HV_VCPU_EXIT_H
#define HV_VCPU_EXIT_H

#include <lib/addr.h>
#include <lib/types.h>

enum vcpu_exit_reason {
    VCPU_EXIT_NONE,      /* handled inside the arch layer (e.g. a PSCI call); run again */
    VCPU_EXIT_RETRY,     /* done, nothing for the run loop (a lazily mapped page was mapped, an
                          * SGI sent to other vCPUs): re-enter the guest at once */
    VCPU_EXIT_IRQ,       /* a host interrupt is pending at EL2 */
    VCPU_EXIT_HYPERCALL, /* cvisor hypercall: nr and arguments */
    VCPU_EXIT_MMIO,      /* access to guest-physical space that no memory region maps */
    VCPU_EXIT_PIO,       /* port I/O (architectures with a port space: x86's IN/OUT) */
    VCPU_EXIT_HALT,      /* WFI: nothing to do until an interrupt */
    VCPU_EXIT_YIELD,     /* WFE or a voluntary yield */
    VCPU_EXIT_TIMER,     /* the guest reprogrammed an emulated timer */
    VCPU_EXIT_FAULT,     /* anything else: the VM is stopped with this report */
};

struct vcpu_exit {
    enum vcpu_exit_reason reason;
    union {
        struct {
            u64 nr;
            u64 args[5];
        } hypercall;
        struct {
            gpa_t addr;
            u8 width; /* bytes: 1, 2, 4, 8 */
            bool write;
            u64 data; /* value written (writes) */
            u64 va;   /* guest-virtual address of the access (for an injected abort) */
        } mmio;
        struct {
            u32 port;
            u8 width; /* bytes: 1, 2, 4 */
            bool write;
            u64 data; /* value written (writes) */
        } pio;
        struct {
            char what[96];
            gpa_t addr; /* faulting guest-physical address when known, else 0 */
            bool has_addr;
            /* An access a machine would answer with an external abort (a fetch from, or an
             * access without syndrome to, guest-physical space outside memory): with
             * invalid_access = "abort" the guest gets one (vcpu_arch_inject_abort). */
            bool abortable;
            bool instruction; /* ... an instruction fetch */
            u64 va;           /* ... its guest-virtual address */
        } fault;
    };
};

/* Fills exit as a fault that ends the VM: the report (printf-style) and the guest address, if
 * there is one. Shared by every architecture's exit decoding. */
void vcpu_exit_fault(struct vcpu_exit *exit, u64 addr, bool has_addr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
