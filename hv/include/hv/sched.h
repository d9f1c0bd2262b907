/* Per-pCPU vCPU scheduling: each pCPU runs the vCPUs pinned to it, round robin. */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <hv/vcpu.h>

void sched_add(struct vcpu *vcpu);
void sched_remove(struct vcpu *vcpu);
/* Makes pCPU `cpu` look at its run queue again (an SGI when it is another CPU). */
void sched_kick(u32 cpu);
/* Makes pCPU cpu leave the vCPU it runs and pass through its scheduler loop (from any context). */
void sched_request_exit(u32 cpu);
void sched_loop(void) __attribute__((noreturn));

#endif
