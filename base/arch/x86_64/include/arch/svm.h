/* AMD SVM (AMD64 APM vol. 2, chapter 15) as the x86_64 base offers it to a hypervisor app:
 * detection (SVM with nested paging), enabling it on a CPU (EFER.SVME and the CPU's host save
 * area), the VMCB layout, and one VMRUN / #VMEXIT round trip (svm_run.S). What runs in the VMCB,
 * and why it exits, is the app's business. */
#ifndef ARCH_SVM_H
#define ARCH_SVM_H

#include <lib/types.h>

#define MSR_VM_CR 0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define VM_CR_SVMDIS (1u << 4)
#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_8000000A_EDX_NP (1u << 0)

struct svm_info {
    bool svm, npt;
    u32 revision, asids; /* CPUID 0x8000000A: SVM revision, number of ASIDs */
    u32 features;        /* CPUID 0x8000000A EDX */
    bool disabled;       /* VM_CR.SVMDIS: the firmware turned it off */
};
void svm_detect(struct svm_info *out);
/* This CPU: EFER.SVME and a host save area (one page from the page allocator, kept for the CPU's
 * life). 0, or -1 (no SVM, disabled by firmware, no memory). */
int svm_cpu_enable(void);

/* ---- the VMCB (APM vol. 2, appendix B): 4 KiB, control area then state save area at 0x400 ---- */
#define VMCB_INTERCEPT_CR 0x000
#define VMCB_INTERCEPT_DR 0x004
#define VMCB_INTERCEPT_EXCEPTIONS 0x008
#define VMCB_INTERCEPT_MISC1 0x00c
#define VMCB_INTERCEPT_MISC2 0x010
#define VMCB_IOPM_BASE 0x040
#define VMCB_MSRPM_BASE 0x048
#define VMCB_TSC_OFFSET 0x050
#define VMCB_ASID 0x058
#define VMCB_TLB_CONTROL 0x05c
#define VMCB_VINTR 0x060
#define VMCB_EXITCODE 0x070
#define VMCB_EXITINFO1 0x078
#define VMCB_EXITINFO2 0x080
#define VMCB_EXITINTINFO 0x088
#define VMCB_NP_ENABLE 0x090
#define VMCB_EVENTINJ 0x0a8
#define VMCB_NCR3 0x0b0
#define VMCB_CLEAN 0x0c0
#define VMCB_NRIP 0x0c8
/* State save area: segments are 16 bytes (selector, attributes, limit, base). */
#define VMCB_ES 0x400
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_LDTR 0x470
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define VMCB_CPL 0x4cb
#define VMCB_EFER 0x4d0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5d8
#define VMCB_RAX 0x5f8
#define VMCB_CR2 0x640
#define VMCB_G_PAT 0x668
#define VMCB_SIZE 0x1000

/* Intercept bits (MISC1 at 0x00c, MISC2 at 0x010). */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
#define SVM_INTERCEPT_VMRUN (1u << 0) /* MISC2: must be set */
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_VINTR_MASKING (1u << 24)  /* VINTR: the host's RFLAGS.IF masks physical interrupts */
#define SVM_TLB_FLUSH_ALL 1u

/* Exit codes. */
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffffffffffull

/* Segment attributes in the VMCB's packed form: descriptor bits 40-47 in 0-7, 52-55 in 8-11. */
#define SVM_SEG_CODE32 0xc9b /* present, DPL 0, code exec/read accessed, D, G */
#define SVM_SEG_DATA32 0xc93 /* present, DPL 0, data read/write accessed, B, G */
#define SVM_SEG_TSS32_BUSY 0x08b
#define SVM_SEG_LDT 0x082

static inline u64 vmcb_read(const void *vmcb, u32 off) { return *(const volatile u64 *)((const u8 *)vmcb + off); }
static inline u32 vmcb_read32(const void *vmcb, u32 off) { return *(const volatile u32 *)((const u8 *)vmcb + off); }
static inline void vmcb_write(void *vmcb, u32 off, u64 v) { *(volatile u64 *)((u8 *)vmcb + off) = v; }
static inline void vmcb_write32(void *vmcb, u32 off, u32 v) { *(volatile u32 *)((u8 *)vmcb + off) = v; }
static inline void vmcb_write8(void *vmcb, u32 off, u8 v) { *(volatile u8 *)((u8 *)vmcb + off) = v; }
static inline void vmcb_set_segment(void *vmcb, u32 off, u16 selector, u16 attrib, u32 limit, u64 base)
{
    *(volatile u16 *)((u8 *)vmcb + off) = selector;
    *(volatile u16 *)((u8 *)vmcb + off + 2) = attrib;
    *(volatile u32 *)((u8 *)vmcb + off + 4) = limit;
    *(volatile u64 *)((u8 *)vmcb + off + 8) = base;
}

/* The guest's general registers that VMRUN / #VMEXIT leave to software (RAX, RSP, RIP and
 * RFLAGS are in the VMCB). */
struct svm_guest_regs {
    u64 rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

/* One round trip (svm_run.S): loads regs, VMRUN with the VMCB at vmcb_pa under CLGI, saves
 * regs at #VMEXIT, STGI. Returns the exit code from the VMCB. The host's FS, GS, TR, LDTR and
 * syscall MSRs are not switched (no VMLOAD/VMSAVE): the guest must not rely on its own. */
u64 svm_run(u64 vmcb_pa, struct svm_guest_regs *regs);

#endif
