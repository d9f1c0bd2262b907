/* Which pCPUs a VM with interrupt_mode = "passthrough" owns, and so which pCPU runs shell
 * commands. */
#include <arch/spinlock.h>
#include <base/percpu.h>
#include <hv/sched.h>
#include <hv/vm.h>
#include "sched_queue.h"

/* pCPUs given to a VM with interrupt_mode = "passthrough": no other vCPU may run there. */
static struct vm *pcpu_owner[MAX_CPUS];
static spinlock_t owner_lock;
volatile u32 shell_cpu;

/* CPU 0 runs shell commands, or the first pCPU not given to a passthrough VM. */
static u32 first_unowned_cpu(void)
{
    for (u32 c = 0; c < cpu_count(); c++)
        if (!pcpu_owner[c])
            return c;
    return 0;
}

BUILT_FOR_SIZE int sched_claim_pcpus(struct vm *vm, bool exclusive, u32 *conflict_pcpu,
                                     struct vm **conflict_vm)
{
    int r = 0;
    spin_lock(&owner_lock);
    for (u32 i = 0; i < vm->vcpu_count && !r; i++) {
        u32 p = vm->vcpus[i]->pcpu;
        struct vm *other = pcpu_owner[p] != vm ? pcpu_owner[p] : NULL;
        if (!other && exclusive) {
            /* any other VM's vCPU there, or two of this VM's? */
            for (u32 k = 0; k < VM_MAX && !other; k++) {
                struct vm *o = vm_table[k];
                /* (under its lock: that VM may be restarting itself on another pCPU) */
                if (o && o != vm && (vm_vcpu_pcpus(o) >> p) & 1)
                    other = o;
            }
            for (u32 j = 0; j < i && !other; j++)
                if (vm->vcpus[j]->pcpu == p)
                    other = vm;
        }
        if (other) {
            *conflict_pcpu = p;
            *conflict_vm = other;
            r = -1;
        }
    }
    if (!r && exclusive) { /* one pCPU stays the hypervisor's: console input, Ctrl-], shell */
        u32 unowned = 0;
        for (u32 c = 0; c < cpu_count(); c++) {
            bool mine = false;
            for (u32 i = 0; i < vm->vcpu_count && !mine; i++)
                mine = vm->vcpus[i]->pcpu == c;
            unowned += !pcpu_owner[c] && !mine;
        }
        if (!unowned) {
            *conflict_pcpu = 0;
            *conflict_vm = NULL;
            r = -1;
        }
    }
    for (u32 i = 0; i < vm->vcpu_count && !r && exclusive; i++)
        pcpu_owner[vm->vcpus[i]->pcpu] = vm;
    shell_cpu = first_unowned_cpu();
    spin_unlock(&owner_lock);
    return r;
}

BUILT_FOR_SIZE void sched_release_pcpus(struct vm *vm)
{
    spin_lock(&owner_lock);
    for (u32 i = 0; i < MAX_CPUS; i++)
        if (pcpu_owner[i] == vm)
            pcpu_owner[i] = NULL;
    shell_cpu = first_unowned_cpu();
    spin_unlock(&owner_lock);
}

u32 sched_shell_cpu(void) { return shell_cpu; }
