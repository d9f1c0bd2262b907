/* An application of the x86_64 base that runs a guest under AMD SVM: SVM and nested paging
 * detected and enabled on every CPU (EFER.SVME, a host save area each), then on the boot CPU a
 * VMCB with nested page tables (lib/pgtable over <arch/pte.h>) mapping 2 MiB of guest memory,
 * and a few guest instructions in 32-bit protected mode that exit three ways: VMMCALL (the host
 * answers in RAX and steps over it: TCG has no next-RIP saving), HLT, and a nested page fault on
 * an address outside the guest's memory. The groundwork of the hypervisor's x86 port. */
#include <arch/cpu.h>
#include <arch/pte.h>
#include <arch/svm.h>
#include <base/app.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/timer.h>
#include <lib/pgtable.h>
#include <lib/string.h>

#define GUEST_MEM MiB(2)
#define GUEST_CODE 0x1000
#define GUEST_RESULT 0x2000
#define GUEST_UNMAPPED 0x300000
#define HOST_ANSWER 0xcafe
#define PAT_POWER_ON 0x0007040600070406ull

/* mov $0x1234, %eax; vmmcall; add $1, %eax; mov %eax, (GUEST_RESULT); hlt;
 * mov (GUEST_UNMAPPED), %eax; hlt */
static const u8 guest_code[] = {
    0xb8, 0x34, 0x12, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0x83, 0xc0, 0x01, 0xa3, 0x00, 0x20, 0x00, 0x00, 0xf4,
    0xa1, 0x00, 0x00, 0x30, 0x00, 0xf4,
};

static volatile u32 enabled_cpus;

static void enable_here(void)
{
    if (svm_cpu_enable() == 0)
        __atomic_fetch_add(&enabled_cpus, 1, __ATOMIC_RELEASE);
}

void app_secondary_main(u32 cpu)
{
    (void)cpu;
    enable_here();
}

static const char *exit_name(u64 code)
{
    switch (code) {
    case SVM_EXIT_VMMCALL: return "VMMCALL";
    case SVM_EXIT_HLT: return "HLT";
    case SVM_EXIT_NPF: return "nested page fault";
    case SVM_EXIT_SHUTDOWN: return "shutdown";
    case SVM_EXIT_INTR: return "physical interrupt";
    case SVM_EXIT_INVALID: return "invalid VMCB";
    default: return "other";
    }
}

static void setup_vmcb(void *vmcb, u64 ncr3, u64 iopm, u64 msrpm)
{
    memset(vmcb, 0, VMCB_SIZE);
    vmcb_write32(vmcb, VMCB_INTERCEPT_MISC1, SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_HLT |
                                                 SVM_INTERCEPT_SHUTDOWN);
    vmcb_write32(vmcb, VMCB_INTERCEPT_MISC2, SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL);
    vmcb_write(vmcb, VMCB_IOPM_BASE, iopm);
    vmcb_write(vmcb, VMCB_MSRPM_BASE, msrpm);
    vmcb_write32(vmcb, VMCB_ASID, 1);
    vmcb_write8(vmcb, VMCB_TLB_CONTROL, SVM_TLB_FLUSH_ALL);
    vmcb_write32(vmcb, VMCB_VINTR, SVM_VINTR_MASKING);
    vmcb_write(vmcb, VMCB_NP_ENABLE, 1);
    vmcb_write(vmcb, VMCB_NCR3, ncr3);
    /* Flat 32-bit protected mode without paging (nested paging translates guest-physical). */
    vmcb_set_segment(vmcb, VMCB_CS, 0x08, SVM_SEG_CODE32, 0xffffffff, 0);
    for (u32 seg = VMCB_ES; seg <= VMCB_GS; seg += 16)
        if (seg != VMCB_CS)
            vmcb_set_segment(vmcb, seg, 0x10, SVM_SEG_DATA32, 0xffffffff, 0);
    vmcb_set_segment(vmcb, VMCB_GDTR, 0, 0, 0xffff, 0);
    vmcb_set_segment(vmcb, VMCB_IDTR, 0, 0, 0xffff, 0);
    vmcb_set_segment(vmcb, VMCB_LDTR, 0, SVM_SEG_LDT, 0xffff, 0);
    vmcb_set_segment(vmcb, VMCB_TR, 0, SVM_SEG_TSS32_BUSY, 0xffff, 0);
    vmcb_write(vmcb, VMCB_EFER, EFER_SVME); /* required in the guest's EFER */
    vmcb_write(vmcb, VMCB_CR0, CR0_PE | (1ull << 4) /* ET */);
    vmcb_write(vmcb, VMCB_RFLAGS, 2);
    vmcb_write(vmcb, VMCB_RIP, GUEST_CODE);
    vmcb_write(vmcb, VMCB_RSP, GUEST_MEM - 16);
    vmcb_write(vmcb, VMCB_DR6, 0xffff0ff0);
    vmcb_write(vmcb, VMCB_DR7, 0x400);
    vmcb_write(vmcb, VMCB_G_PAT, PAT_POWER_ON);
}

void app_main(void)
{
    struct svm_info info;
    svm_detect(&info);
    if (!info.svm || info.disabled) {
        pr_err("svm-demo: %s", info.svm ? "SVM is disabled by the firmware (VM_CR.SVMDIS)" : "this CPU has no SVM");
        return;
    }
    pr_info("svm-demo: SVM revision %u, %u ASIDs, nested paging %s (CPUID 0x8000000A EDX %#x)", info.revision,
            info.asids, info.npt ? "yes" : "no", info.features);
    enable_here();
    for (u64 end = timer_ticks() + timer_freq();
         __atomic_load_n(&enabled_cpus, __ATOMIC_ACQUIRE) < cpu_count() && timer_ticks() < end;)
        arch_cpu_relax();
    pr_info("svm-demo: SVM enabled on %u of %u CPUs (EFER.SVME, host save area)", enabled_cpus, cpu_count());
    if (!info.npt) {
        pr_err("svm-demo: no nested paging");
        return;
    }

    hpa_t mem, vmcb_pa, iopm, msrpm;
    if (mm_alloc_pages(GUEST_MEM / PAGE_SIZE, GUEST_MEM, &mem) != 0 || mm_alloc_pages(1, PAGE_SIZE, &vmcb_pa) != 0 ||
        mm_alloc_pages(3, PAGE_SIZE, &iopm) != 0 || mm_alloc_pages(2, PAGE_SIZE, &msrpm) != 0) {
        pr_err("svm-demo: out of memory");
        return;
    }
    memset(hpa_to_ptr(mem), 0, GUEST_MEM);
    memset(hpa_to_ptr(iopm), 0, 3 * PAGE_SIZE);
    memset(hpa_to_ptr(msrpm), 0, 2 * PAGE_SIZE);
    memcpy((u8 *)hpa_to_ptr(mem) + GUEST_CODE, guest_code, sizeof(guest_code));
    static const struct pt_format npt_format = X86_PT_FORMAT(3, 1);
    struct pgtable npt;
    if (pt_init(&npt, &npt_format, &mm_pt_mem, 48) != 0 || pt_map(&npt, 0, mem.val, GUEST_MEM, PTE_RW | PTE_US) != 0) {
        pr_err("svm-demo: cannot build the nested page tables");
        return;
    }
    void *vmcb = hpa_to_ptr(vmcb_pa);
    setup_vmcb(vmcb, npt.root_pa, iopm.val, msrpm.val);

    struct svm_guest_regs regs = {0};
    local_irq_disable();
    for (int i = 0; i < 8; i++) {
        u64 code = svm_run(vmcb_pa.val, &regs);
        u64 rip = vmcb_read(vmcb, VMCB_RIP), rax = vmcb_read(vmcb, VMCB_RAX);
        if (code == SVM_EXIT_INTR) {
            local_irq_enable(); /* take it in the host, then back into the guest */
            local_irq_disable();
            continue;
        }
        pr_info("svm-demo: #VMEXIT %#llx (%s) at RIP %#llx, RAX %#llx, EXITINFO1 %#llx, EXITINFO2 %#llx",
                (unsigned long long)code, exit_name(code), (unsigned long long)rip, (unsigned long long)rax,
                (unsigned long long)vmcb_read(vmcb, VMCB_EXITINFO1), (unsigned long long)vmcb_read(vmcb, VMCB_EXITINFO2));
        vmcb_write8(vmcb, VMCB_TLB_CONTROL, 0);
        if (code == SVM_EXIT_VMMCALL) {
            vmcb_write(vmcb, VMCB_RAX, HOST_ANSWER);
            vmcb_write(vmcb, VMCB_RIP, rip + 3); /* no next-RIP saving under TCG: VMMCALL is 3 bytes */
        } else if (code == SVM_EXIT_HLT) {
            pr_info("svm-demo: the guest wrote %#x after the VMMCALL", *(volatile u32 *)((u8 *)hpa_to_ptr(mem) + GUEST_RESULT));
            vmcb_write(vmcb, VMCB_RIP, rip + 1);
        } else {
            break; /* the nested page fault (or anything unexpected) ends the demo */
        }
    }
    local_irq_enable();
    pt_destroy(&npt);
    pr_info("svm-demo: done");
}
