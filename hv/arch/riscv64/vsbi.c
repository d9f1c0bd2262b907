/* The SBI a guest calls with ECALL from VS-mode: BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN, the
 * legacy console, timer and shutdown calls, and cvisor's hypercalls. Every call acts on the
 * calling VM only (hart ids are its vCPUs'); anything else answers SBI_ERR_NOT_SUPPORTED. */
#include <arch/hcsr.h>
#include <arch/timer.h>
#include <arch/vcpu_parts.h>
#include <arch/vsbi.h>
#include <base/log.h>
#include <hv/arch.h>
#include <hv/vconsole.h>
#include <hv/vm.h>

#define A0 10
#define A6 16
#define A7 17
#define DBCN_WRITE_MAX 4096u
/* hsm(): a non-retentive suspend set the registers it resumes with; no a0/a1 result. */
#define HSM_RESUMES_ELSEWHERE 1

static bool extension_present(u64 ext)
{
    switch (ext) {
    case SBI_EXT_BASE:
    case SBI_EXT_TIME:
    case SBI_EXT_IPI:
    case SBI_EXT_RFENCE:
    case SBI_EXT_HSM:
    case SBI_EXT_SRST:
    case SBI_EXT_DBCN:
    case SBI_EXT_LEGACY_SET_TIMER:
    case SBI_EXT_LEGACY_PUTCHAR:
    case SBI_EXT_LEGACY_GETCHAR:
    case SBI_EXT_LEGACY_SHUTDOWN:
    case SBI_EXT_CVISOR:
        return true;
    default:
        return false;
    }
}

/* Calls (IPI, RFENCE) that name harts: each vCPU of the VM in (mask, base); base -1 = all.
 * Returns SBI_ERR_INVALID_PARAM when the mask names a hart the VM does not have. */
static long for_each_hart(struct vcpu *caller, u64 mask, u64 base, void (*fn)(struct vcpu *))
{
    struct vm *vm = caller->vm;
    if (base == ~0ull) {
        for (u32 i = 0; i < vm->vcpu_count; i++)
            fn(vm->vcpus[i]);
        return SBI_SUCCESS;
    }
    for (u32 bit = 0; bit < 64; bit++) {
        if (!(mask >> bit & 1))
            continue;
        struct vcpu *t = base + bit >= base ? vm_find_vcpu_by_hwid(vm, base + bit) : NULL;
        if (!t)
            return SBI_ERR_INVALID_PARAM;
    }
    for (u32 bit = 0; bit < 64; bit++)
        if (mask >> bit & 1)
            fn(vm_find_vcpu_by_hwid(vm, base + bit));
    return SBI_SUCCESS;
}

static void send_ipi(struct vcpu *t) { riscv_vcpu_raise(t, HVIP_VSSIP); }

static void set_timer(struct vcpu *vcpu, u64 stime, struct vcpu_exit *exit)
{
    if (riscv_has_sstc) {
        hcsr_write(CSR_VSTIMECMP, stime); /* the vCPU is loaded: its hardware compare */
        return;
    }
    riscv_vcpu_set_timer(vcpu, stime);
    exit->reason = VCPU_EXIT_TIMER; /* the scheduler arms the host timer for it */
}

static long hsm(struct vcpu *vcpu, u64 fid, const u64 *a, struct vcpu_exit *exit, long *value)
{
    struct vm *vm = vcpu->vm;
    struct vcpu *t;
    switch (fid) {
    case SBI_HSM_HART_START:
        if (!(t = vm_find_vcpu_by_hwid(vm, a[0])))
            return SBI_ERR_INVALID_PARAM;
        if (!vm_gpa_in_ram(vm, gpa(a[1]), 4))
            return SBI_ERR_INVALID_ADDRESS;
        return vcpu_power_on(t, gpa(a[1]), a[2]) == 0 ? SBI_SUCCESS : SBI_ERR_ALREADY_AVAILABLE;
    case SBI_HSM_HART_STOP:
        vcpu_power_off(vcpu);
        return SBI_SUCCESS; /* never seen: the vCPU does not run again until a hart start */
    case SBI_HSM_HART_GET_STATUS:
        if (!(t = vm_find_vcpu_by_hwid(vm, a[0])))
            return SBI_ERR_INVALID_PARAM;
        *value = t->state == VCPU_OFF || t->state == VCPU_STOPPED ? SBI_HSM_STOPPED : SBI_HSM_STARTED;
        return SBI_SUCCESS;
    case SBI_HSM_HART_SUSPEND:
        /* Retentive (type 0): a WFI. Non-retentive (0x80000000): the same halt, then resume at
         * resume_addr with a0 = hart id, a1 = opaque and the MMU off, as the spec describes. */
        if (a[0] == 0x80000000u) {
            if (!vm_gpa_in_ram(vm, gpa(a[1]), 4))
                return SBI_ERR_INVALID_ADDRESS;
            vcpu->arch.regs.sepc = a[1];
            vcpu->arch.regs.x[A0 + 1] = a[2];
            vcpu->arch.regs.x[A0] = vcpu->hwid;
            vcpu->arch.regs.sstatus |= SSTATUS_SPP;
            hcsr_write(CSR_VSATP, 0);
            hcsr_clear(CSR_VSSTATUS, SSTATUS_SIE);
            exit->reason = VCPU_EXIT_HALT;
            return HSM_RESUMES_ELSEWHERE;
        }
        if (a[0] != 0)
            return SBI_ERR_INVALID_PARAM;
        exit->reason = VCPU_EXIT_HALT;
        return SBI_SUCCESS;
    default:
        return SBI_ERR_NOT_SUPPORTED;
    }
}

static long dbcn(struct vcpu *vcpu, u64 fid, const u64 *a, long *value)
{
    struct vm *vm = vcpu->vm;
    switch (fid) {
    case SBI_DBCN_WRITE: {
        u64 n = a[0] > DBCN_WRITE_MAX ? DBCN_WRITE_MAX : a[0]; /* a partial write is allowed */
        if (a[2])
            return SBI_ERR_INVALID_PARAM; /* above 4 GiB << 32: no such guest RAM */
        const char *p = vm_gpa_to_hva(vm, gpa(a[1]), n);
        if (!p && n)
            return SBI_ERR_INVALID_PARAM;
        for (u64 i = 0; i < n; i++)
            vm_console_put(vm, p[i]);
        *value = (long)n;
        return SBI_SUCCESS;
    }
    case SBI_DBCN_READ: {
        /* What the VM's console UART received and the guest has not read; a short read (0:
         * nothing waits) is allowed. */
        u64 n = a[0] > DBCN_WRITE_MAX ? DBCN_WRITE_MAX : a[0];
        if (a[2])
            return SBI_ERR_INVALID_PARAM;
        char *p = vm_ram_for_write(vm, gpa(a[1]), n);
        if (!p && n)
            return SBI_ERR_INVALID_PARAM;
        *value = (long)vconsole_read(vm, p, n);
        return SBI_SUCCESS;
    }
    case SBI_DBCN_WRITE_BYTE:
        vm_console_put(vm, (char)a[0]);
        return SBI_SUCCESS;
    default:
        return SBI_ERR_NOT_SUPPORTED;
    }
}

void vsbi_handle(struct vcpu *vcpu, struct vcpu_exit *exit)
{
    u64 *x = vcpu->arch.regs.x;
    u64 ext = x[A7], fid = x[A6];
    const u64 a[5] = {x[A0], x[A0 + 1], x[A0 + 2], x[A0 + 3], x[A0 + 4]};
    struct vm *vm = vcpu->vm;
    long err = SBI_ERR_NOT_SUPPORTED, value = 0;
    exit->reason = VCPU_EXIT_NONE;

    switch (ext) {
    /* The legacy extensions (SBI 0.1) answer in a0 alone. */
    case SBI_EXT_LEGACY_SET_TIMER:
        set_timer(vcpu, a[0], exit);
        x[A0] = 0;
        return;
    case SBI_EXT_LEGACY_PUTCHAR:
        vm_console_put(vm, (char)a[0]);
        x[A0] = 0;
        return;
    case SBI_EXT_LEGACY_GETCHAR: {
        char c;
        x[A0] = vconsole_read(vm, &c, 1) ? (u64)(u8)c : (u64)-1; /* what the VM's UART received */
        return;
    }
    case SBI_EXT_LEGACY_SHUTDOWN:
        vm_request_end(vm, VM_END_SHUTDOWN, "SBI legacy shutdown from vcpu%u", vcpu->id);
        return;
    case SBI_EXT_CVISOR:
        exit->reason = VCPU_EXIT_HYPERCALL;
        exit->hypercall.nr = fid;
        for (int i = 0; i < 5; i++)
            exit->hypercall.args[i] = a[i];
        return; /* the result is set by vcpu_arch_set_return */
    case SBI_EXT_BASE:
        err = SBI_SUCCESS;
        switch (fid) {
        case SBI_BASE_GET_SPEC_VERSION: value = SBI_SPEC_VERSION_2_0; break;
        case SBI_BASE_GET_IMPL_ID: value = SBI_IMPL_ID_CVISOR; break;
        case SBI_BASE_GET_IMPL_VERSION: value = 1; break;
        case SBI_BASE_PROBE_EXTENSION: value = extension_present(a[0]); break;
        case SBI_BASE_GET_MVENDORID:
        case SBI_BASE_GET_MARCHID:
        case SBI_BASE_GET_MIMPID: value = 0; break;
        default: err = SBI_ERR_NOT_SUPPORTED; break;
        }
        break;
    case SBI_EXT_TIME:
        if (fid == 0) {
            set_timer(vcpu, a[0], exit);
            err = SBI_SUCCESS;
        }
        break;
    case SBI_EXT_IPI:
        if (fid == 0)
            err = for_each_hart(vcpu, a[0], a[1], send_ipi);
        break;
    case SBI_EXT_RFENCE:
        /* fence.i and sfence.vma (any range or ASID: the whole VS-stage TLB of the VMID is
         * flushed, which is what a smaller fence asks and more); the hfence calls are for a
         * guest hypervisor, which cvisor's guests are not. */
        if (fid <= 2)
            err = for_each_hart(vcpu, a[0], a[1], riscv_vcpu_remote_fence);
        break;
    case SBI_EXT_HSM:
        err = hsm(vcpu, fid, a, exit, &value);
        if (err == HSM_RESUMES_ELSEWHERE)
            return;
        break;
    case SBI_EXT_SRST:
        if (fid == 0) {
            if (a[0] == SBI_SRST_SHUTDOWN) {
                vm_request_end(vm, VM_END_SHUTDOWN, "SBI system reset (shutdown, reason %llu) from vcpu%u",
                               (unsigned long long)a[1], vcpu->id);
                err = SBI_SUCCESS;
            } else if (a[0] == SBI_SRST_COLD_REBOOT || a[0] == SBI_SRST_WARM_REBOOT) {
                vm_request_end(vm, VM_END_RESET, "SBI system reset (%s reboot) from vcpu%u",
                               a[0] == SBI_SRST_COLD_REBOOT ? "cold" : "warm", vcpu->id);
                err = SBI_SUCCESS;
            } else {
                err = SBI_ERR_INVALID_PARAM;
            }
        }
        break;
    case SBI_EXT_DBCN:
        err = dbcn(vcpu, fid, a, &value);
        break;
    default:
        LOG_AT(LOG_DEBUG, (long)vm->id, "vcpu%u: unsupported SBI call ext %#llx fid %llu", vcpu->id,
               (unsigned long long)ext, (unsigned long long)fid);
        break;
    }
    x[A0] = (u64)err;
    x[A0 + 1] = (u64)value;
}
