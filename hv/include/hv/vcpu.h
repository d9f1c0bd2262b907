#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <arch/vcpu_arch.h>
#include <hv/vcpu_exit.h>
#include <lib/addr.h>
#include <lib/types.h>

struct vm;

enum vcpu_state {
    VCPU_OFF,      /* not started (or CPU_OFF) */
    VCPU_RUNNABLE, /* may run; on its pCPU's run queue */
    VCPU_HALTED,   /* WFI: waits for an interrupt */
    VCPU_STOPPED,  /* its VM ended */
};

struct vcpu_stats {
    u64 exits;
    u64 hypercalls;
    u64 mmio;
    u64 halts;
    u64 irqs;
    u64 guest_ticks; /* counter ticks spent in the guest (including exits handled on the fast path) */
    u64 hv_ticks;    /* ... in the hypervisor for this vCPU's other exits */
};

struct vcpu {
    struct vm *vm;
    u32 id;                 /* index within the VM */
    u64 hwid;               /* virtual MPIDR affinity the guest sees */
    u32 pcpu;               /* pCPU it runs on */
    u64 affinity;           /* allowed pCPUs (bitmask) */
    volatile enum vcpu_state state;
    struct vcpu_arch arch;  /* registers, interrupt state: the arch's (arch/vcpu_arch.h) */
    struct vcpu_stats stats;
    /* The counter when the run loop last entered the guest, 0 while it is not in it: a guest
     * whose exits all stay in the exit vector never returns to the run loop, and vm stats adds
     * the span not counted yet (vm_vcpu_stats). */
    u64 run_since;
};

/* An exit served in the exit vector that counts as the hypervisor's time (the console UART's):
 * it took from counter value t0 to now, which the run loop will count as the guest's. */
static inline void vcpu_note_fast_exit(struct vcpu *v, u64 t0, u64 now)
{
    __atomic_store_n(&v->stats.hv_ticks, v->stats.hv_ticks + (now - t0), __ATOMIC_RELAXED);
    __atomic_store_n(&v->stats.guest_ticks, v->stats.guest_ticks - (now - t0), __ATOMIC_RELAXED);
}

struct vcpu *vcpu_create(struct vm *vm, u32 id, u32 pcpu);
void vcpu_destroy(struct vcpu *vcpu);
/* The firmware interface's CPU_ON: power a vCPU on at entry with one argument register. */
int vcpu_power_on(struct vcpu *vcpu, gpa_t entry, u64 arg);
/* Starts the VM's boot vCPU at entry with the boot protocol's arguments (vm_arch_boot_setup). */
int vcpu_boot(struct vcpu *vcpu, gpa_t entry);
void vcpu_power_off(struct vcpu *vcpu);

#endif
