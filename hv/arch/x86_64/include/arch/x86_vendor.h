/* The seam between the generic x86 vCPU (hv/arch/x86_64/vcpu_x86.c: exits, CPUID, MSRs, port I/O,
 * MMIO, hypercalls, boot) and the CPU vendor's virtualization extension (AMD SVM: svm.c; Intel
 * VMX can be added beside it), in the spirit of Jailhouse's vcpu.c and svm.c/vmx.c. The vendor
 * part owns the control block (VMCB), the world switch and the raw exit codes; it reports each
 * exit in the vendor-neutral form below and gives access to the guest state the generic part
 * needs. */
#ifndef ARCH_X86_VENDOR_H
#define ARCH_X86_VENDOR_H

#include <lib/types.h>

struct vm;
struct vcpu;

enum x86_exit_kind {
    X86_EXIT_INTR,      /* a host interrupt (or NMI) is pending */
    X86_EXIT_IRQ_WINDOW, /* the guest can take an interrupt now (asked by irq_window) */
    X86_EXIT_CPUID,
    X86_EXIT_RDMSR,
    X86_EXIT_WRMSR,
    X86_EXIT_IO,        /* IN/OUT (io.*) */
    X86_EXIT_HLT,
    X86_EXIT_HYPERCALL, /* VMMCALL (VMCALL on VMX) */
    X86_EXIT_SHUTDOWN,  /* a triple fault */
    X86_EXIT_NPF,       /* nested page fault (npf.*) */
    X86_EXIT_UD,        /* an instruction the guest may not use: it gets #UD */
    X86_EXIT_INVALID,   /* the CPU refused the guest state */
    X86_EXIT_OTHER,     /* anything else (code) */
};

struct x86_exit {
    enum x86_exit_kind kind;
    u64 code; /* the vendor's raw exit code (for reports) */
    /* The CPU was delivering an event (interrupt, exception, NMI) when the exit came: it is
     * delivered again at the next entry, and the exit is none of the instruction at RIP's. */
    bool delivering;
    u8 delivering_vector;
    union {
        struct {
            u16 port;
            u8 width;     /* 1, 2, 4 */
            bool in;
            bool string;  /* INS/OUTS (with or without REP) */
            u64 next_rip; /* where the instruction after it starts */
        } io;
        struct {
            u64 gpa;
            bool write, fetch, present;
        } npf;
    };
};

/* Registers of the guest the generic part reads and writes besides the general ones. */
enum x86_state { X86_RIP, X86_RFLAGS, X86_CR0, X86_CR3, X86_CR4, X86_EFER, X86_PAT, X86_FS_BASE, X86_GS_BASE,
                 X86_KERNEL_GS_BASE, X86_STAR, X86_LSTAR, X86_CSTAR, X86_SFMASK, X86_SYSENTER_CS,
                 X86_SYSENTER_ESP, X86_SYSENTER_EIP, X86_TSC_OFFSET, X86_INT_SHADOW, X86_ES_BASE, X86_CS_BASE,
                 X86_SS_BASE, X86_DS_BASE, X86_STATE_COUNT };

struct x86_vendor {
    const char *name;
    /* This pCPU: enable the extension; 0 or -1 (with a log line saying why). */
    int (*cpu_init)(void);
    /* The VM's address space (ASID) and nested page tables' root for its vCPUs. */
    int (*vm_init)(struct vm *vm);
    void (*vm_destroy)(struct vm *vm);
    /* The vCPU's control block (allocated by the generic part: one page, zeroed) at reset: flat
     * 32-bit protected mode without paging at rip, as multiboot enters a kernel. */
    void (*vcpu_reset)(struct vcpu *vcpu, u64 rip);
    /* ... or in 64-bit mode at rip on the guest's page tables at cr3 (paging, PAE, long mode on),
     * CS = 0x10 (64-bit code) and the data segments 0x18 of the guest's GDT at gdt_base, as the
     * Linux boot protocol enters a 64-bit kernel. */
    void (*vcpu_reset_long64)(struct vcpu *vcpu, u64 rip, u64 cr3, u64 gdt_base, u16 gdt_limit);
    /* ... or in real mode at vector:0000 (CS = vector << 8), as a startup IPI starts a CPU. */
    void (*vcpu_reset_sipi)(struct vcpu *vcpu, u8 vector);
    /* Runs the guest until an exit the generic part handles. flush: the guest's TLB entries
     * must be dropped first (first run here, moved pCPUs, nested tables changed). */
    void (*run)(struct vcpu *vcpu, bool flush, struct x86_exit *exit);
    u64 (*get)(struct vcpu *vcpu, enum x86_state r);
    void (*set)(struct vcpu *vcpu, enum x86_state r, u64 value);
    /* The general registers the control block holds (SVM: RAX and RSP). */
    u64 (*gpr_get)(struct vcpu *vcpu, unsigned gpr);
    void (*gpr_set)(struct vcpu *vcpu, unsigned gpr, u64 value);
    /* The code segment's decoding mode and base (for fetching the instruction at RIP). */
    void (*code_mode)(struct vcpu *vcpu, bool *long64, bool *default32, u64 *cs_base);
    /* Delivers an exception to the guest at its next entry. */
    void (*inject_exception)(struct vcpu *vcpu, u8 vector, bool has_error, u32 error);
    /* External interrupts: whether the guest can take one at the next entry (IF set, no
     * interrupt shadow, no event already being injected); inject one; exit when it can. */
    bool (*can_inject_irq)(struct vcpu *vcpu);
    void (*inject_irq)(struct vcpu *vcpu, u8 vector);
    void (*irq_window)(struct vcpu *vcpu, bool on);
};

/* The vendor found on this machine (set by hv_arch_cpu_init), and SVM's. */
extern const struct x86_vendor *x86_vendor;
extern const struct x86_vendor svm_vendor;

#endif
