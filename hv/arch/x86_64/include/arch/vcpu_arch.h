/* The x86_64 part of struct vcpu (hv/include/hv/vcpu.h): the generic x86 vCPU state
 * (hv/arch/x86_64/vcpu_x86.c) and its vendor's (SVM: the VMCB, hv/arch/x86_64/svm*.c). */
#ifndef ARCH_VCPU_ARCH_H
#define ARCH_VCPU_ARCH_H

#include <arch/code_cache.h>
#include <arch/insn_decode.h>
#include <arch/vlapic.h>
#include <lib/types.h>

/* General registers in the encoding's order (0 RAX .. 15 R15). On SVM, RAX and RSP live in the
 * VMCB while the guest runs; x86_reg_get/x86_reg_set hide where each one is. */
enum x86_gpr { X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI, X86_GPR_COUNT = 16 };

/* What the last exit left to finish when the generic code answers a read. */
enum x86_pending { X86_PENDING_NONE, X86_PENDING_MMIO_LOAD, X86_PENDING_PIO_IN };

struct vcpu_arch {
    u64 gpr[X86_GPR_COUNT]; /* the guest's; gpr[RAX], gpr[RSP] are in the VMCB on SVM */
    void *vmcb;             /* SVM: the vCPU's VMCB (a page of vm_arch.vmcb) */
    u8 *fpu;                /* its x87/SSE state while another vCPU has the pCPU (FXSAVE format) */
    bool fpu_reset;         /* fpu was reset: load it even where its old state is live */
    bool wait_sipi;         /* INIT received: a startup IPI starts it */
    int sipi_vector;        /* the startup IPI's vector for the next reset, or -1 */
    u64 vmcb_pa;
    u32 last_cpu;           /* pCPU it last ran on (+1; 0: never ran): its TLB entries are there */
    u32 revoked_seen;       /* vm_arch.revoked when it last entered */
    bool in_guest;          /* between reading vm_arch.revoked and the exit (vm_arch_unmap waits) */
    u64 efer;               /* the guest's EFER as it wrote it (SVM keeps SVME set underneath) */
    u64 tsc_offset;         /* guest TSC = host TSC + offset (starts near 0) */
    enum x86_pending pending;
    struct x86_mmio_insn mmio; /* the pending load's decoded instruction */
    u8 pio_width;
    struct vlapic lapic;    /* its virtual local APIC (interrupt_mode = "emu") */
    struct x86_code_cache code_cache; /* the MMIO instruction fetch's last code page */
    bool lapic_pt_owned;    /* it holds its pCPU's local APIC (lapic_pt.c) */
};

#endif
