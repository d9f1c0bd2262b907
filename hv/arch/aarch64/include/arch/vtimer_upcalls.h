/* What the guest timers (vtimer.c) need from the vCPU code that drives them (vcpu_arch.c loads,
 * saves and traps them), which defines it: whether a vCPU's timer state is live in this pCPU's
 * registers. A link-time seam owned by the lower layer like <base/app.h>
 * (scripts/include_graph.py counts no dependency through a *_upcalls.h header;
 * docs/architecture.md). */
#ifndef ARCH_VTIMER_UPCALLS_H
#define ARCH_VTIMER_UPCALLS_H

#include <lib/types.h>

struct vcpu;

/* The vCPU whose EL1 state is live on pCPU cpu, or NULL. */
struct vcpu *vcpu_arch_loaded(u32 cpu);

#endif
