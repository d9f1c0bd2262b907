/* Each pCPU's run queue of the vCPUs pinned to it, and the requests that make a pCPU look at it
 * again (kick, exit, reap). Below the VM table and everything that starts, stops or wakes a
 * vCPU; the run loop that consumes them is sched.c. */
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <hv/sched.h>
#include "sched_queue.h"

struct run_queue rqs[MAX_CPUS];
volatile bool need_resched[MAX_CPUS];
volatile bool need_reap[MAX_CPUS];
volatile bool pt_in_guest[MAX_CPUS];

void sched_add(struct vcpu *vcpu)
{
    struct run_queue *rq = &rqs[vcpu->pcpu];
    spin_lock(&rq->lock);
    if (rq->count < RQ_MAX) {
        rq->vcpus[rq->count++] = vcpu;
        /* A vCPU that ran alone there (WFI not trapped, no time slice) now shares its pCPU. */
        if (rq->count > 1)
            sched_request_exit(vcpu->pcpu);
    } else /* cannot happen: RQ_MAX is every vCPU of every VM */
        panic("sched: run queue of pCPU %u is full (vm%llu '%s' vcpu%u)", vcpu->pcpu,
              (unsigned long long)vcpu->vm->id, vcpu->vm->name, vcpu->id);
    spin_unlock(&rq->lock);
}

void sched_remove(struct vcpu *vcpu)
{
    struct run_queue *rq = &rqs[vcpu->pcpu];
    spin_lock(&rq->lock);
    for (u32 i = 0; i < rq->count; i++) {
        if (rq->vcpus[i] == vcpu) {
            rq->vcpus[i] = rq->vcpus[--rq->count];
            break;
        }
    }
    spin_unlock(&rq->lock);
}

u32 sched_this_cpu(void) { return cpu_id(); }

void sched_kick(u32 cpu)
{
    /* While a passthrough vCPU runs, the pCPU's interrupts go to its guest: it notices
     * requests at its next exit. */
    if (cpu != cpu_id() && !pt_in_guest[cpu])
        irq_send_ipi(cpu, IRQ_IPI_WAKEUP);
}

void sched_vm_ending(u32 cpu)
{
    need_reap[cpu] = true;
    /* Even to a passthrough vCPU: its VM's stage 2 is revoked, so the interrupt's vector fetch
     * (or any access) brings it out. */
    if (cpu != cpu_id())
        irq_send_ipi(cpu, IRQ_IPI_WAKEUP);
}

bool sched_requests_pending(u32 cpu) { return need_resched[cpu] || need_reap[cpu]; }

void sched_request_exit(u32 cpu)
{
    need_resched[cpu] = true;
    sched_kick(cpu);
}
