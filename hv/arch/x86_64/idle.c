/* The run loop's waiting hooks on x86_64 (<hv/arch.h>). HLT is always intercepted in this first
 * step (a vCPU alone on its pCPU could run it natively: every host interrupt ends its run), and
 * nothing of a vCPU keeps an idle pCPU awake (interrupts are injected at entry, not held on a
 * line). */
#include <hv/arch.h>

void vcpu_arch_trap_wfx(struct vcpu *vcpu, bool trap) { (void)vcpu, (void)trap; }

void vcpu_arch_before_idle(void) {}
