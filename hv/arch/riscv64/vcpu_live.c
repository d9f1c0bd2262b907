/* Which vCPU's VS and FP state is live in each pCPU's registers (set by vcpu_arch_load and
 * vcpu_arch_unload, read wherever a vCPU's state may be in hardware rather than in memory). */
#include <arch/vcpu_parts.h>
#include <base/percpu.h>

static struct vcpu *loaded[MAX_CPUS];

struct vcpu *vcpu_arch_loaded(u32 cpu) { return loaded[cpu]; }

void vcpu_live_set(u32 cpu, struct vcpu *vcpu) { loaded[cpu] = vcpu; }
