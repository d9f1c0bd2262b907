/* The AMD SVM vendor part of the x86 vCPU (<arch/x86_vendor.h>): per pCPU, SVM on with its host
 * save area (base: svm_cpu_enable) and a page for the host state VMLOAD/VMSAVE move; per VM an
 * ASID and the nested page tables' root; per vCPU a VMCB with its intercepts, guest state and
 * the shared I/O and MSR permission maps (every port and every MSR intercepted). Facts from the
 * AMD64 APM vol. 2, chapter 15 and appendix B. */
#include <arch/acpi_power.h>
#include <arch/acpi_tables.h>
#include <arch/cpu.h>
#include <arch/exit_event.h>
#include <arch/spinlock.h>
#include <arch/svm.h>
#include <arch/x86.h>
#include <arch/x86_vendor.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <hv/vm.h>
#include <lib/string.h>

u64 svm_enter(u64 vmcb_pa, u64 *gpr, u64 host_vmcb_pa); /* svm_entry.S */

/* The ports every guest reads without an exit (a bit per port, clear: not intercepted): the
 * ACPI PM timer, when the host's is where a VM's FADT puts it (vpower.c). */
static void x86_iopm_passthrough(u8 *iopm)
{
    u16 port;
    if (acpi_pm_timer_port(&port) && port == ACPI_PM_TMR_PORT)
        for (u16 p = port; p < port + 4; p++)
            iopm[p / 8] &= (u8)~(1u << (p % 8));
}

/* Intercepts beyond <arch/svm.h>'s (APM vol. 2, appendix B, table B-1). */
#define SVM_INTERCEPT_INVLPGA (1u << 26)
#define SVM_INTERCEPT_VINTR (1u << 4)
#define SVM_EXIT_VINTR 0x64
#define VMCB_INT_SHADOW 0x068
#define VINTR_V_IRQ (1u << 8)
#define VINTR_V_IGN_TPR (1u << 20)
#define RFLAGS_IF_BIT (1ull << 9)
#define SVM_INTERCEPT2_VMLOAD (1u << 2)
#define SVM_INTERCEPT2_VMSAVE (1u << 3)
#define SVM_INTERCEPT2_STGI (1u << 4)
#define SVM_INTERCEPT2_CLGI (1u << 5)
#define SVM_INTERCEPT2_SKINIT (1u << 6)
#define SVM_INTERCEPT2_MONITOR (1u << 10)
#define SVM_INTERCEPT2_MWAIT (1u << 11)
#define SVM_INTERCEPT2_XSETBV (1u << 13)
#define SVM_EXIT_INVLPGA 0x7a
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_VMSAVE 0x83
#define SVM_EXIT_STGI 0x84
#define SVM_EXIT_CLGI 0x85
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT 0x8b
#define SVM_EXIT_XSETBV 0x8d
#define VMCB_FS_BASE (VMCB_FS + 8)
#define VMCB_GS_BASE (VMCB_GS + 8)
#define VMCB_STAR 0x600
#define VMCB_LSTAR 0x608
#define VMCB_CSTAR 0x610
#define VMCB_SFMASK 0x618
#define VMCB_KERNEL_GS_BASE 0x620
#define VMCB_SYSENTER_CS 0x628
#define VMCB_SYSENTER_ESP 0x630
#define VMCB_SYSENTER_EIP 0x638
#define EVENTINJ_VALID (1u << 31)
#define EVENTINJ_ERROR_VALID (1u << 11)
#define EVENTINJ_TYPE_EXCEPTION (3u << 8)
#define SEG_ATTR_L (1u << 9)  /* packed attributes: descriptor bit 53 (64-bit code) */
#define SEG_ATTR_DB (1u << 10) /* ... bit 54 (32-bit default size) */
#define PAT_POWER_ON 0x0007040600070406ull
#define IOPM_PAGES 3
#define MSRPM_PAGES 2
#define MAX_ASIDS 64

static spinlock_t svm_lock = SPINLOCK_INIT;
static u64 iopm_pa, msrpm_pa;       /* shared by every VMCB: all ones, everything intercepted */
static u64 host_vmcb_pa[MAX_CPUS];  /* the host's VMLOAD/VMSAVE state, per pCPU */
static u32 asid_limit;              /* CPUID 0x8000000A EBX: ASIDs 1 .. asid_limit - 1 */
static u64 asid_used;

static int svm_cpu_init(void)
{
    struct svm_info info;
    svm_detect(&info);
    if (!info.svm || info.disabled || !info.npt) {
        pr_err("svm: %s", !info.svm ? "this CPU has no SVM" : info.disabled ? "SVM is disabled by the firmware (VM_CR.SVMDIS)"
                                                                             : "SVM without nested paging");
        return -1;
    }
    if (svm_cpu_enable() != 0) {
        pr_err("svm: cannot enable SVM (no memory for the host save area)");
        return -1;
    }
    hpa_t pa;
    int r = 0;
    spin_lock(&svm_lock);
    if (!iopm_pa) {
        hpa_t io, msr;
        if (mm_alloc_pages(IOPM_PAGES, PAGE_SIZE, &io) == 0 && mm_alloc_pages(MSRPM_PAGES, PAGE_SIZE, &msr) == 0) {
            memset(hpa_to_ptr(io), 0xff, IOPM_PAGES * PAGE_SIZE);
            x86_iopm_passthrough(hpa_to_ptr(io));
            memset(hpa_to_ptr(msr), 0xff, MSRPM_PAGES * PAGE_SIZE);
            iopm_pa = io.val;
            msrpm_pa = msr.val;
        } else {
            r = -1;
        }
        asid_limit = info.asids < MAX_ASIDS ? info.asids : MAX_ASIDS;
        /* CPUID 0x8000000A EDX bit 3: next-RIP saving, which QEMU's TCG lacks (not used either way). */
        pr_info("svm: revision %u, %u ASIDs, nested paging, next-RIP saving %s: RIP advanced by decoding",
                info.revision, info.asids, (info.features & (1u << 3)) ? "present" : "absent");
    }
    spin_unlock(&svm_lock);
    if (r == 0 && !host_vmcb_pa[cpu_id()]) {
        if (mm_alloc_zeroed_page(&pa))
            host_vmcb_pa[cpu_id()] = pa.val;
        else
            r = -1;
    }
    if (r)
        pr_err("svm: out of memory for the permission maps or the host state page");
    return r;
}

static int svm_vm_init(struct vm *vm)
{
    spin_lock(&svm_lock);
    for (u32 a = 1; a < asid_limit; a++) {
        if (!(asid_used & (1ull << a))) {
            asid_used |= 1ull << a;
            vm->arch.asid = a;
            break;
        }
    }
    spin_unlock(&svm_lock);
    return vm->arch.asid ? 0 : -1;
}

static void svm_vm_destroy(struct vm *vm)
{
    spin_lock(&svm_lock);
    asid_used &= ~(1ull << vm->arch.asid);
    spin_unlock(&svm_lock);
    vm->arch.asid = 0; /* its TLB entries: every vCPU flushes on its first run (vcpu_x86.c) */
}

static void svm_vcpu_reset(struct vcpu *v, u64 rip)
{
    void *vmcb = v->arch.vmcb;
    memset(vmcb, 0, VMCB_SIZE);
    /* A VM driving its pCPU's local APIC takes the physical interrupts itself (no INTR
     * intercept, RFLAGS.IF masks them: V_INTR_MASKING off) and halts natively; an NMI still
     * brings it out (lapic_pt.c). */
    bool pt = v->vm->arch.lapic_pt;
    vmcb_write32(vmcb, VMCB_INTERCEPT_MISC1, (pt ? 0 : SVM_INTERCEPT_INTR | SVM_INTERCEPT_HLT) | SVM_INTERCEPT_NMI |
                                                 SVM_INTERCEPT_CPUID | SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR |
                                                 SVM_INTERCEPT_SHUTDOWN | SVM_INTERCEPT_INVLPGA);
    /* The SVM instructions act on host-physical addresses and the host's GIF: none for a guest. */
    vmcb_write32(vmcb, VMCB_INTERCEPT_MISC2, SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT2_VMLOAD |
                                                 SVM_INTERCEPT2_VMSAVE | SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
                                                 SVM_INTERCEPT2_SKINIT | SVM_INTERCEPT2_MONITOR |
                                                 SVM_INTERCEPT2_MWAIT | SVM_INTERCEPT2_XSETBV);
    vmcb_write(vmcb, VMCB_IOPM_BASE, iopm_pa);
    vmcb_write(vmcb, VMCB_MSRPM_BASE, msrpm_pa);
    vmcb_write(vmcb, VMCB_TSC_OFFSET, v->arch.tsc_offset);
    vmcb_write32(vmcb, VMCB_ASID, v->vm->arch.asid);
    vmcb_write32(vmcb, VMCB_VINTR, pt ? 0 : SVM_VINTR_MASKING);
    vmcb_write(vmcb, VMCB_NP_ENABLE, 1);
    vmcb_write(vmcb, VMCB_NCR3, v->vm->arch.npt.root_pa);
    /* Flat 32-bit protected mode without paging, as a multiboot loader leaves it. */
    vmcb_set_segment(vmcb, VMCB_CS, 0x08, SVM_SEG_CODE32, 0xffffffff, 0);
    for (u32 seg = VMCB_ES; seg <= VMCB_GS; seg += 16)
        if (seg != VMCB_CS)
            vmcb_set_segment(vmcb, seg, 0x10, SVM_SEG_DATA32, 0xffffffff, 0);
    vmcb_set_segment(vmcb, VMCB_GDTR, 0, 0, 0xffff, 0);
    vmcb_set_segment(vmcb, VMCB_IDTR, 0, 0, 0xffff, 0);
    vmcb_set_segment(vmcb, VMCB_LDTR, 0, SVM_SEG_LDT, 0xffff, 0);
    vmcb_set_segment(vmcb, VMCB_TR, 0, SVM_SEG_TSS32_BUSY, 0xffff, 0);
    vmcb_write(vmcb, VMCB_EFER, EFER_SVME); /* VMRUN requires it; the guest sees its own EFER */
    vmcb_write(vmcb, VMCB_CR0, CR0_PE | (1ull << 4) /* ET */);
    vmcb_write(vmcb, VMCB_RFLAGS, 2);
    vmcb_write(vmcb, VMCB_RIP, rip);
    vmcb_write(vmcb, VMCB_DR6, 0xffff0ff0);
    vmcb_write(vmcb, VMCB_DR7, 0x400);
    vmcb_write(vmcb, VMCB_G_PAT, PAT_POWER_ON);
}

#define SVM_SEG_CODE16 0x09b /* present, code exec/read accessed: real mode */
#define SVM_SEG_DATA16 0x093

static void svm_vcpu_reset_sipi(struct vcpu *v, u8 vector)
{
    void *vmcb = v->arch.vmcb;
    svm_vcpu_reset(v, 0);
    vmcb_set_segment(vmcb, VMCB_CS, (u16)(vector << 8), SVM_SEG_CODE16, 0xffff, (u64)vector << 12);
    for (u32 seg = VMCB_ES; seg <= VMCB_GS; seg += 16)
        if (seg != VMCB_CS)
            vmcb_set_segment(vmcb, seg, 0, SVM_SEG_DATA16, 0xffff, 0);
    vmcb_write(vmcb, VMCB_CR0, 1ull << 4); /* ET; PE off: real mode */
}

#define SVM_SEG_CODE64 0xa9b /* present, DPL 0, code exec/read accessed, L, G */
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define EFER_LMA (1ull << 10)

static void svm_vcpu_reset_long64(struct vcpu *v, u64 rip, u64 cr3, u64 gdt_base, u16 gdt_limit)
{
    void *vmcb = v->arch.vmcb;
    svm_vcpu_reset(v, rip);
    vmcb_set_segment(vmcb, VMCB_CS, 0x10, SVM_SEG_CODE64, 0xffffffff, 0);
    for (u32 seg = VMCB_ES; seg <= VMCB_GS; seg += 16)
        if (seg != VMCB_CS)
            vmcb_set_segment(vmcb, seg, 0x18, SVM_SEG_DATA32, 0xffffffff, 0);
    vmcb_set_segment(vmcb, VMCB_GDTR, 0, 0, gdt_limit, gdt_base);
    vmcb_write(vmcb, VMCB_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
    vmcb_write(vmcb, VMCB_CR3, cr3);
    vmcb_write(vmcb, VMCB_CR4, CR4_PAE);
    vmcb_write(vmcb, VMCB_EFER, EFER_SVME | EFER_LME | EFER_LMA);
    v->arch.efer = EFER_LME;
}

static void svm_run_vcpu(struct vcpu *v, bool flush, struct x86_exit *e)
{
    void *vmcb = v->arch.vmcb;
    vmcb_write8(vmcb, VMCB_TLB_CONTROL, flush ? SVM_TLB_FLUSH_ALL : 0);
    u64 code = svm_enter(v->arch.vmcb_pa, v->arch.gpr, host_vmcb_pa[cpu_id()]);
    /* An event the exit interrupted (an exception being delivered through a nested page fault,
     * say) is delivered again at the next entry. */
    u64 intinfo = vmcb_read(vmcb, VMCB_EXITINTINFO), again = svm_event_reinject(intinfo);
    if (again)
        vmcb_write(vmcb, VMCB_EVENTINJ, again);
    u64 info1 = vmcb_read(vmcb, VMCB_EXITINFO1), info2 = vmcb_read(vmcb, VMCB_EXITINFO2);
    if ((u32)code == (u32)SVM_EXIT_INVALID)
        code = SVM_EXIT_INVALID; /* (QEMU's TCG writes VMEXIT_INVALID as 32 bits) */
    e->code = code;
    e->delivering = again != 0;
    e->delivering_vector = SVM_EVENT_VECTOR(intinfo);
    switch (code) {
    case SVM_EXIT_INTR:
    case SVM_EXIT_NMI:
        e->kind = X86_EXIT_INTR;
        break;
    case SVM_EXIT_VINTR:
        e->kind = X86_EXIT_IRQ_WINDOW;
        break;
    case SVM_EXIT_CPUID:
        e->kind = X86_EXIT_CPUID;
        break;
    case SVM_EXIT_MSR:
        e->kind = info1 ? X86_EXIT_WRMSR : X86_EXIT_RDMSR;
        break;
    case SVM_EXIT_IOIO: /* EXITINFO1: bit 0 IN, bit 2 string, bits 4-6 size, 31:16 port */
        e->kind = X86_EXIT_IO;
        e->io.in = info1 & 1;
        e->io.string = info1 & (1u << 2);
        e->io.width = (info1 & (1u << 4)) ? 1 : (info1 & (1u << 5)) ? 2 : 4;
        e->io.port = (u16)(info1 >> 16);
        e->io.next_rip = info2; /* given even without next-RIP saving */
        break;
    case SVM_EXIT_HLT:
        e->kind = X86_EXIT_HLT;
        break;
    case SVM_EXIT_VMMCALL:
        e->kind = X86_EXIT_HYPERCALL;
        break;
    case SVM_EXIT_SHUTDOWN:
        e->kind = X86_EXIT_SHUTDOWN;
        break;
    case SVM_EXIT_NPF: /* EXITINFO1: the page fault error code; EXITINFO2: the guest-physical address */
        e->kind = X86_EXIT_NPF;
        e->npf.gpa = info2;
        e->npf.present = info1 & 1;
        e->npf.write = info1 & 2;
        e->npf.fetch = info1 & 0x10;
        break;
    case SVM_EXIT_VMRUN:
    case SVM_EXIT_VMLOAD:
    case SVM_EXIT_VMSAVE:
    case SVM_EXIT_STGI:
    case SVM_EXIT_CLGI:
    case SVM_EXIT_SKINIT:
    case SVM_EXIT_INVLPGA:
    case SVM_EXIT_MONITOR:
    case SVM_EXIT_MWAIT:
    case SVM_EXIT_XSETBV:
        e->kind = X86_EXIT_UD;
        break;
    case SVM_EXIT_INVALID:
        e->kind = X86_EXIT_INVALID;
        break;
    default:
        e->kind = X86_EXIT_OTHER;
        break;
    }
}

static const u16 state_offset[X86_STATE_COUNT] = {
    [X86_RIP] = VMCB_RIP, [X86_RFLAGS] = VMCB_RFLAGS, [X86_CR0] = VMCB_CR0, [X86_CR3] = VMCB_CR3,
    [X86_CR4] = VMCB_CR4, [X86_EFER] = VMCB_EFER, [X86_PAT] = VMCB_G_PAT, [X86_FS_BASE] = VMCB_FS_BASE,
    [X86_GS_BASE] = VMCB_GS_BASE, [X86_KERNEL_GS_BASE] = VMCB_KERNEL_GS_BASE, [X86_STAR] = VMCB_STAR,
    [X86_LSTAR] = VMCB_LSTAR, [X86_CSTAR] = VMCB_CSTAR, [X86_SFMASK] = VMCB_SFMASK,
    [X86_SYSENTER_CS] = VMCB_SYSENTER_CS, [X86_SYSENTER_ESP] = VMCB_SYSENTER_ESP,
    [X86_SYSENTER_EIP] = VMCB_SYSENTER_EIP, [X86_TSC_OFFSET] = VMCB_TSC_OFFSET,
    [X86_INT_SHADOW] = VMCB_INT_SHADOW, [X86_ES_BASE] = VMCB_ES + 8, [X86_CS_BASE] = VMCB_CS + 8,
    [X86_SS_BASE] = VMCB_SS + 8, [X86_DS_BASE] = VMCB_DS + 8,
};

static u64 svm_get(struct vcpu *v, enum x86_state r) { return vmcb_read(v->arch.vmcb, state_offset[r]); }
static void svm_set(struct vcpu *v, enum x86_state r, u64 value) { vmcb_write(v->arch.vmcb, state_offset[r], value); }

static u64 svm_gpr_get(struct vcpu *v, unsigned gpr)
{
    return gpr == 0 ? vmcb_read(v->arch.vmcb, VMCB_RAX) : gpr == 4 ? vmcb_read(v->arch.vmcb, VMCB_RSP) : v->arch.gpr[gpr];
}

static void svm_gpr_set(struct vcpu *v, unsigned gpr, u64 value)
{
    if (gpr == 0)
        vmcb_write(v->arch.vmcb, VMCB_RAX, value);
    else if (gpr == 4)
        vmcb_write(v->arch.vmcb, VMCB_RSP, value);
    else
        v->arch.gpr[gpr] = value;
}

static void svm_code_mode(struct vcpu *v, bool *long64, bool *default32, u64 *cs_base)
{
    u16 attr = *(volatile u16 *)((u8 *)v->arch.vmcb + VMCB_CS + 2);
    bool lma = vmcb_read(v->arch.vmcb, VMCB_EFER) & (1ull << 10);
    *long64 = lma && (attr & SEG_ATTR_L);
    *default32 = attr & SEG_ATTR_DB;
    *cs_base = *long64 ? 0 : vmcb_read(v->arch.vmcb, VMCB_CS + 8);
}

static void svm_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
    u64 ev = vector | EVENTINJ_TYPE_EXCEPTION | EVENTINJ_VALID | (has_error ? EVENTINJ_ERROR_VALID : 0);
    vmcb_write(v->arch.vmcb, VMCB_EVENTINJ, ev | ((u64)error << 32));
}

static bool svm_can_inject_irq(struct vcpu *v)
{
    void *vmcb = v->arch.vmcb;
    return (vmcb_read(vmcb, VMCB_RFLAGS) & RFLAGS_IF_BIT) && !(vmcb_read(vmcb, VMCB_INT_SHADOW) & 1) &&
           !(vmcb_read(vmcb, VMCB_EVENTINJ) & EVENTINJ_VALID);
}

static void svm_inject_irq(struct vcpu *v, u8 vector)
{
    vmcb_write(v->arch.vmcb, VMCB_EVENTINJ, vector | EVENTINJ_VALID); /* type 0: external interrupt */
}

/* A virtual interrupt request (V_IRQ, priority ignored) with the VINTR intercept: the CPU exits
 * as soon as the guest would take it (IF set, no shadow). */
static void svm_irq_window(struct vcpu *v, bool on)
{
    void *vmcb = v->arch.vmcb;
    u32 vintr = vmcb_read32(vmcb, VMCB_VINTR), misc1 = vmcb_read32(vmcb, VMCB_INTERCEPT_MISC1);
    if (on) {
        vintr |= VINTR_V_IRQ | VINTR_V_IGN_TPR;
        misc1 |= SVM_INTERCEPT_VINTR;
    } else {
        vintr &= ~(VINTR_V_IRQ | VINTR_V_IGN_TPR);
        misc1 &= ~SVM_INTERCEPT_VINTR;
    }
    vmcb_write32(vmcb, VMCB_VINTR, vintr);
    vmcb_write32(vmcb, VMCB_INTERCEPT_MISC1, misc1);
}

const struct x86_vendor svm_vendor = {
    .name = "AMD SVM",
    .cpu_init = svm_cpu_init,
    .vm_init = svm_vm_init,
    .vm_destroy = svm_vm_destroy,
    .vcpu_reset = svm_vcpu_reset,
    .vcpu_reset_long64 = svm_vcpu_reset_long64,
    .vcpu_reset_sipi = svm_vcpu_reset_sipi,
    .run = svm_run_vcpu,
    .get = svm_get,
    .set = svm_set,
    .gpr_get = svm_gpr_get,
    .gpr_set = svm_gpr_set,
    .code_mode = svm_code_mode,
    .inject_exception = svm_inject_exception,
    .can_inject_irq = svm_can_inject_irq,
    .inject_irq = svm_inject_irq,
    .irq_window = svm_irq_window,
};
