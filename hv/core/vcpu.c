#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/sched.h>
#include <hv/vm.h>

struct vcpu *vcpu_create(struct vm *vm, u32 id, u32 pcpu)
{
    struct vcpu *v = kzalloc(sizeof(*v));
    if (!v)
        return NULL;
    v->vm = vm;
    v->id = id;
    v->pcpu = pcpu;
    v->hwid = vcpu_arch_hwid(id);
    v->state = VCPU_OFF;
    vcpu_arch_init(v);
    return v;
}

/* The vCPU was unloaded from its pCPU when it stopped (sched.c), or never ran. */
void vcpu_destroy(struct vcpu *vcpu) { kfree(vcpu); }

/* 0 on success, -1 when the vCPU is not off. boot: the VM's first vCPU, whose boot arguments
 * the arch places (vm_arch_boot_setup) before it may run. */
static int power_on(struct vcpu *vcpu, gpa_t entry, u64 arg, bool boot)
{
    struct vm *vm = vcpu->vm;
    spin_lock(&vm->lock);
    if (vcpu->state != VCPU_OFF) {
        spin_unlock(&vm->lock);
        return -1;
    }
    vcpu_arch_reset(vcpu, entry, arg);
    if (boot)
        vm_arch_boot_setup(vm, vcpu);
    __atomic_store_n(&vcpu->state, VCPU_RUNNABLE, __ATOMIC_RELEASE);
    spin_unlock(&vm->lock);
    LOG_AT(LOG_DEBUG, (long)vm->id, "vcpu%u on at %#llx (pCPU %u)", vcpu->id, (unsigned long long)entry.val,
           vcpu->pcpu);
    sched_kick(vcpu->pcpu);
    return 0;
}

int vcpu_power_on(struct vcpu *vcpu, gpa_t entry, u64 arg) { return power_on(vcpu, entry, arg, false); }

int vcpu_boot(struct vcpu *vcpu, gpa_t entry) { return power_on(vcpu, entry, 0, true); }

void vcpu_power_off(struct vcpu *vcpu)
{
    spin_lock(&vcpu->vm->lock);
    if (vcpu->state != VCPU_STOPPED)
        vcpu->state = VCPU_OFF;
    spin_unlock(&vcpu->vm->lock);
    LOG_AT(LOG_DEBUG, (long)vcpu->vm->id, "vcpu%u off", vcpu->id);
}
