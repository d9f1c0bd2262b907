/* PSCI 1.1 for guests over HVC (or SMC): what a guest OS needs to start, stop and power off
 * its CPUs and the VM. Each call affects this VM only. */
#include <arch/psci.h>
#include <arch/vcpu_parts.h>
#include <base/log.h>
#include <hv/arch.h>
#include <hv/vm.h>

static s64 cpu_on(struct vcpu *caller, u64 target, u64 entry, u64 ctx)
{
    struct vm *vm = caller->vm;
    struct vcpu *t = vm_find_vcpu_by_hwid(vm, target & MPIDR_AFF_MASK);
    if (!t)
        return PSCI_INVALID_PARAMETERS;
    if (!vm_gpa_in_ram(vm, gpa(entry), 4))
        return PSCI_INVALID_ADDRESS;
    int r = vcpu_power_on(t, gpa(entry), ctx);
    return r == 0 ? PSCI_SUCCESS : PSCI_ALREADY_ON;
}

static s64 affinity_info(struct vcpu *caller, u64 target, u64 level)
{
    if (level != 0)
        return PSCI_INVALID_PARAMETERS;
    struct vcpu *t = vm_find_vcpu_by_hwid(caller->vm, target & MPIDR_AFF_MASK);
    if (!t)
        return PSCI_INVALID_PARAMETERS;
    return t->state == VCPU_OFF || t->state == VCPU_STOPPED ? PSCI_AFF_OFF : PSCI_AFF_ON;
}

static bool supported(u32 fid)
{
    switch (fid) {
    case PSCI_VERSION:
    case PSCI_CPU_SUSPEND_32:
    case PSCI_CPU_SUSPEND_64:
    case PSCI_CPU_OFF:
    case PSCI_CPU_ON_32:
    case PSCI_CPU_ON_64:
    case PSCI_AFFINITY_INFO_32:
    case PSCI_AFFINITY_INFO_64:
    case PSCI_MIGRATE_INFO_TYPE:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
    case PSCI_FEATURES:
        return true;
    default:
        return false;
    }
}

/* Returns false when fid is not a PSCI function (the caller answers NOT_SUPPORTED). */
bool vpsci_handle(struct vcpu *vcpu, u64 fid)
{
    u64 *x = vcpu->arch.regs.x;
    bool is32 = !(fid & 0x40000000u);
    u64 a1 = is32 ? (u32)x[1] : x[1], a2 = is32 ? (u32)x[2] : x[2], a3 = is32 ? (u32)x[3] : x[3];
    s64 ret;

    switch ((u32)fid) {
    case PSCI_VERSION:
        ret = 0x10001; /* 1.1 */
        break;
    case PSCI_FEATURES:
        ret = supported((u32)a1) ? 0 : PSCI_NOT_SUPPORTED;
        break;
    case PSCI_CPU_ON_32:
    case PSCI_CPU_ON_64:
        ret = cpu_on(vcpu, a1, a2, a3);
        break;
    case PSCI_CPU_OFF:
        vcpu_power_off(vcpu);
        return true; /* does not return to the caller */
    case PSCI_AFFINITY_INFO_32:
    case PSCI_AFFINITY_INFO_64:
        ret = affinity_info(vcpu, a1, a2);
        break;
    case PSCI_CPU_SUSPEND_32:
    case PSCI_CPU_SUSPEND_64:
        ret = PSCI_SUCCESS; /* standby: returning at once is a valid wake-up */
        break;
    case PSCI_MIGRATE_INFO_TYPE:
        ret = 2; /* no Trusted OS to migrate */
        break;
    case PSCI_SYSTEM_OFF:
        vm_request_end(vcpu->vm, VM_END_SHUTDOWN, "PSCI SYSTEM_OFF from vcpu%u", vcpu->id);
        return true;
    case PSCI_SYSTEM_RESET:
        vm_request_end(vcpu->vm, VM_END_RESET, "PSCI SYSTEM_RESET from vcpu%u", vcpu->id);
        return true;
    default:
        return false;
    }
    x[0] = (u64)ret;
    return true;
}
