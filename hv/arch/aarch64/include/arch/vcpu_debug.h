/* A vCPU's self-hosted debug and PMU state (hv/arch/aarch64/vcpu_debug.c). */
#ifndef ARCH_VCPU_DEBUG_H
#define ARCH_VCPU_DEBUG_H

#include <lib/types.h>

#define VCPU_DEBUG_MAX_BP 16
#define VCPU_DEBUG_MAX_PMC 31

struct vcpu_debug {
    u64 bvr[VCPU_DEBUG_MAX_BP], bcr[VCPU_DEBUG_MAX_BP]; /* breakpoints */
    u64 wvr[VCPU_DEBUG_MAX_BP], wcr[VCPU_DEBUG_MAX_BP]; /* watchpoints */
    u64 oslk, osdlr, mdccint;
    u64 pmcr, pmcnten, pminten, pmovs, pmuserenr, pmselr, pmccfiltr, pmccntr;
    u64 evtyper[VCPU_DEBUG_MAX_PMC], evcntr[VCPU_DEBUG_MAX_PMC];
};

/* Once per pCPU: MDCR_EL2 (the guest's debug and PMU registers are not trapped, since they are
 * switched with the vCPU; all event counters belong to EL1). */
void vcpu_debug_cpu_init(void);
/* Architectural reset values: no breakpoint, watchpoint or counter enabled, OS lock set, PMU
 * closed to EL0. */
void vcpu_debug_reset(struct vcpu_debug *d);
void vcpu_debug_save(struct vcpu_debug *d);
void vcpu_debug_restore(const struct vcpu_debug *d);

#endif
