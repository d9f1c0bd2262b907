/* SVM on this CPU (<arch/svm.h>): detection, and EFER.SVME with a host save area per CPU. */
#include <arch/svm.h>
#include <arch/x86.h>
#include <base/mm.h>
#include <base/percpu.h>

static u64 host_save_area[MAX_CPUS];

void svm_detect(struct svm_info *out)
{
    *out = (struct svm_info){0};
    if (cpuid(0x80000000, 0).eax < 0x8000000a || !(cpuid(0x80000001, 0).ecx & CPUID_80000001_ECX_SVM))
        return;
    struct cpuid_regs r = cpuid(0x8000000a, 0);
    out->svm = true;
    out->revision = r.eax & 0xff;
    out->asids = r.ebx;
    out->features = r.edx;
    out->npt = r.edx & CPUID_8000000A_EDX_NP;
    out->disabled = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
}

int svm_cpu_enable(void)
{
    struct svm_info info;
    svm_detect(&info);
    if (!info.svm || info.disabled)
        return -1;
    u32 cpu = cpu_id();
    if (!host_save_area[cpu]) {
        hpa_t pa;
        if (!mm_alloc_zeroed_page(&pa))
            return -1;
        host_save_area[cpu] = pa.val;
    }
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, host_save_area[cpu]);
    return 0;
}
