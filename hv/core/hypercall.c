/* Generic hypercalls: the architecture layer decodes the call, this executes it. */
#include <base/log.h>
#include <hv/hypercall.h>
#include <hv/shmem.h>
#include <hv/vm.h>

#define CONSOLE_WRITE_MAX 4096

static long console_write_from_guest(struct vcpu *vcpu, u64 buf, u64 len)
{
    if (len > CONSOLE_WRITE_MAX)
        return HC_EINVAL;
    const char *p = vm_gpa_to_hva(vcpu->vm, gpa(buf), len);
    if (!p && len)
        return HC_EFAULT;
    for (u64 i = 0; i < len; i++)
        vm_console_put(vcpu->vm, p[i]);
    return (long)len;
}

long hypercall_dispatch(struct vcpu *vcpu, unsigned long nr, const unsigned long args[5])
{
    vcpu->stats.hypercalls++;
    switch (nr) {
    case HC_NULL:
        return HC_OK;
    case HC_CONSOLE_WRITE:
        return console_write_from_guest(vcpu, args[0], args[1]);
    case HC_CONSOLE_PUTC:
        vm_console_put(vcpu->vm, (char)args[0]);
        return HC_OK;
    case HC_VM_ID:
        return (long)vcpu->vm->id;
    case HC_VCPU_ID:
        return (long)vcpu->id;
    case HC_SHUTDOWN:
        vm_request_end(vcpu->vm, VM_END_SHUTDOWN, "shutdown hypercall (code %lu) from vcpu%u", args[0], vcpu->id);
        return HC_OK;
    case HC_SHMEM_DOORBELL:
        return vm_shmem_doorbell(vcpu->vm, args[0]);
    case HC_SHMEM_BASE:
        return vm_shmem_base(vcpu->vm, args[0]);
    case HC_SHMEM_SIZE:
        return vm_shmem_size(vcpu->vm, args[0]);
    case HC_IVC_PUBLISH:
        return vm_ivc_publish(vcpu->vm, args[0], args[1], args[2]);
    case HC_IVC_SUBSCRIBE:
        return vm_ivc_subscribe(vcpu->vm, args[0], args[1], args[2], args[3]);
    case HC_IVC_UNPUBLISH:
        return vm_ivc_unpublish(vcpu->vm, args[0]);
    case HC_IVC_UNSUBSCRIBE:
        return vm_ivc_unsubscribe(vcpu->vm, args[0], args[1]);
    case HC_IVC_DOORBELL:
        return vm_ivc_doorbell(vcpu->vm, args[0], args[1]);
    default: /* axvisor's 0-2 (disable the hypervisor, debug) are never offered to a guest */
        LOG_AT(LOG_DEBUG, (long)vcpu->vm->id, "vcpu%u: unknown hypercall %lu", vcpu->id, nr);
        return HC_ENOSYS;
    }
}
