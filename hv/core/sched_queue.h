/* The run queues and per-pCPU scheduling flags, shared by sched_queue.c (adding, removing,
 * kicking) and the run loop (sched.c) that reads them; nothing else includes this. */
#ifndef HV_CORE_SCHED_QUEUE_H
#define HV_CORE_SCHED_QUEUE_H

#include <arch/spinlock.h>
#include <base/percpu.h>
#include <hv/vm.h>

/* Room for every vCPU there can be: all VMs at their largest, pinned to one pCPU. A run queue
 * can then never refuse a vCPU (which would leave its VM counting a vCPU that never runs, so
 * the VM would never end). */
#define RQ_MAX (VM_MAX * VM_MAX_VCPUS)

struct run_queue {
    spinlock_t lock;
    struct vcpu *vcpus[RQ_MAX];
    u32 count;
    u32 next; /* round-robin position */
};

extern struct run_queue rqs[MAX_CPUS];
extern volatile bool need_resched[MAX_CPUS];
extern volatile bool need_reap[MAX_CPUS]; /* a VM with a vCPU here is ending */
extern volatile bool pt_in_guest[MAX_CPUS]; /* running a vCPU that owns the pCPU's interrupt controller */
/* sched_shell_cpu(), kept up to date under the pCPU owners' lock (sched_pcpu.c). */
extern volatile u32 shell_cpu;

#endif
