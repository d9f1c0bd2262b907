/* Per-pCPU vCPU scheduling: each pCPU runs the vCPUs pinned to it, round robin. */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <hv/vcpu.h>

void sched_add(struct vcpu *vcpu);
void sched_remove(struct vcpu *vcpu);
/* Makes pCPU `cpu` look at its run queue again (an SGI when it is another CPU). */
/* The pCPU this code runs on. */
u32 sched_this_cpu(void);
void sched_kick(u32 cpu);
/* A VM with a vCPU on cpu is ending: that pCPU stops it before running anything else. */
void sched_vm_ending(u32 cpu);
/* The pCPU that runs shell commands: CPU 0 unless a passthrough VM holds it. */
u32 sched_shell_cpu(void);
/* Checks that vm's vCPUs may go on their pCPUs: none is owned by another VM, and with
 * exclusive, none is shared with another VM or between its own vCPUs, and one pCPU is left
 * that no VM owns; then, with exclusive, makes them vm's. On conflict returns -1 naming the
 * pCPU and the other VM (NULL: no pCPU would be left). */
int sched_claim_pcpus(struct vm *vm, bool exclusive, u32 *conflict_pcpu, struct vm **conflict_vm);
void sched_release_pcpus(struct vm *vm);
/* Makes pCPU cpu leave the vCPU it runs and pass through its scheduler loop (from any context). */
void sched_request_exit(u32 cpu);
/* On cpu, having taken a kick: true when the run loop has more to do than re-enter the vCPU
 * (an exit or a reap was requested), so the kick must not be consumed on an exit fast path. */
bool sched_requests_pending(u32 cpu);
/* On the shell CPU, outside the run loop: waits until the ending vm has ended (stopping its
 * vCPUs on this pCPU meanwhile). False when it is still ending after timeout_ns. */
struct vm;
bool sched_wait_ended(struct vm *vm, u64 timeout_ns);
void sched_loop(void) __attribute__((noreturn));

#endif
