/* The run loop of every pCPU: pick a runnable vCPU pinned here, run it, handle its exits.
 * A VM that ends is noticed here: its vCPUs stop, and the last one out finishes the VM. */
#include <arch/cpu.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <base/timer.h>
#include <hv/arch.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/sched_upcalls.h>
#include <hv/virq.h>
#include <hv/vm.h>
#include "sched_queue.h"

#define SLICE_NS 10000000ull /* 10 ms: time slice when several vCPUs share a pCPU */

/* Stops this pCPU's vCPUs of VMs that are ending; finishing a VM happens outside the lock. */
static void reap_ending(void)
{
    struct run_queue *rq = &rqs[cpu_id()];
    struct vm *finished[VM_MAX]; /* a VM finishes once: its last vCPU stops here */
    u32 nfinished = 0;
    spin_lock(&rq->lock);
    for (u32 i = 0; i < rq->count; i++) {
        struct vcpu *v = rq->vcpus[i];
        struct vm *vm = v->vm;
        if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_ENDING || v->state == VCPU_STOPPED)
            continue;
        v->state = VCPU_STOPPED;
        vcpu_arch_unload(v);
        if (__atomic_sub_fetch(&vm->vcpus_active, 1, __ATOMIC_ACQ_REL) == 0)
            finished[nfinished++] = vm;
    }
    spin_unlock(&rq->lock);
    for (u32 i = 0; i < nfinished; i++)
        vm_finish(finished[i]);
}

static struct vcpu *pick_next(void)
{
    struct run_queue *rq = &rqs[cpu_id()];
    struct vcpu *found = NULL;
    spin_lock(&rq->lock);
    for (u32 n = 0; n < rq->count; n++) {
        u32 i = (rq->next + n) % rq->count;
        struct vcpu *v = rq->vcpus[i];
        if (v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING && !v->vm->paused) {
            found = v;
            rq->next = (i + 1) % rq->count;
            break;
        }
    }
    spin_unlock(&rq->lock);
    return found;
}

static bool others_runnable(struct vcpu *self)
{
    struct run_queue *rq = &rqs[cpu_id()];
    bool any = false;
    spin_lock(&rq->lock);
    for (u32 i = 0; i < rq->count && !any; i++)
        any = rq->vcpus[i] != self && rq->vcpus[i]->state == VCPU_RUNNABLE &&
              rq->vcpus[i]->vm->state == VM_RUNNING;
    spin_unlock(&rq->lock);
    return any;
}

/* Idle work, one step at a time so that a vCPU made runnable meanwhile waits at most one step:
 * a page of LAZY RAM zeroed for a VM with a vCPU here (vm_mem.c). Under the run queue's lock,
 * the VM cannot go: vm_release removes its vCPUs from the queues before freeing its memory. */
static bool idle_work(void)
{
    struct run_queue *rq = &rqs[cpu_id()];
    bool done = false;
    spin_lock(&rq->lock);
    for (u32 i = 0; i < rq->count && !done; i++)
        done = vm_mem_prezero_step(rq->vcpus[i]->vm);
    spin_unlock(&rq->lock);
    return done;
}

/* WFI with interrupts masked still wakes on a pending interrupt, so a kick sent between the
 * run-queue check and the WFI is not lost; the interrupt is then taken by unmasking. */
static void idle_until_interrupt(void)
{
    vcpu_arch_before_idle();
    arch_wait_for_interrupt();
    local_irq_enable();
    local_irq_disable();
}

static void handle_mmio(struct vcpu *v, struct vcpu_exit *e)
{
    struct vm *vm = v->vm;
    struct vdev *dev = vm_find_vdev(vm, e->mmio.addr);
    v->stats.mmio++;
    if (dev) {
        u64 off = e->mmio.addr.val - dev->base.val;
        bool ok;
        if (e->mmio.write) {
            ok = dev->ops->write(dev, v, off, e->mmio.width, e->mmio.data);
        } else {
            u64 val = 0;
            ok = dev->ops->read(dev, v, off, e->mmio.width, &val);
            if (ok)
                vcpu_arch_complete_mmio_read(v, val);
        }
        if (ok)
            return;
    }
    if (vm->config->invalid_access_abort) {
        /* invalid_access = "abort": the guest sees an external abort, as on a bus with nothing there. */
        LOG_AT(LOG_DEBUG, (long)vm->id, "vcpu%u: %s at guest-physical %#llx outside its memory: abort injected",
               v->id, e->mmio.write ? "write" : "read", (unsigned long long)e->mmio.addr.val);
        vcpu_arch_inject_abort(v, e->mmio.va, false);
        return;
    }
    LOG_AT(LOG_ERROR, (long)vm->id, "vcpu%u: %s of %u bytes at guest-physical %#llx, outside the VM's memory%s%s%s",
           v->id, e->mmio.write ? "write" : "read", e->mmio.width, (unsigned long long)e->mmio.addr.val,
           dev ? " (rejected by " : "", dev ? dev->name : "", dev ? ")" : "");
    vm_request_end(vm, VM_END_FAULT, "vcpu%u: %s at guest-physical %#llx outside its memory, pc %#llx", v->id,
                   e->mmio.write ? "write" : "read", (unsigned long long)e->mmio.addr.val,
                   (unsigned long long)vcpu_arch_pc(v));
}

/* Port I/O (architectures with a port space): like MMIO, but the full path every time; an access
 * no device takes reads as all ones and is ignored on write, as on a PC's bus. Out of line, so
 * the run loop's code for the other exits stays as it was. */
static __attribute__((noinline, cold)) void handle_pio(struct vcpu *v, struct vcpu_exit *e)
{
    struct vdev *dev = vm_find_pio_vdev(v->vm, e->pio.port);
    u64 val = ~0ull;
    v->stats.mmio++;
    if (e->pio.write) {
        if (dev)
            dev->ops->write(dev, v, e->pio.port - dev->base.val, e->pio.width, e->pio.data);
        return;
    }
    if (dev && !dev->ops->read(dev, v, e->pio.port - dev->base.val, e->pio.width, &val))
        val = ~0ull;
    vcpu_arch_complete_mmio_read(v, val);
}

/* Exits that change nothing the run loop looks after (scheduling, interrupt delivery, VM
 * state) are handled right here and the guest re-entered at once: no list-register sync and
 * refill, no scheduler pass. A hypercall that may end the VM, or an MMIO access after which an
 * interrupt became deliverable, takes the full path. */
static bool handled_fast(struct vcpu *v, struct vcpu_exit *e)
{
    if (__atomic_load_n(&v->vm->state, __ATOMIC_RELAXED) != VM_RUNNING)
        return false; /* ending: whatever brought it out, it stops */
    if (e->reason == VCPU_EXIT_RETRY)
        return true;
    if (e->reason == VCPU_EXIT_HYPERCALL && e->hypercall.nr != HC_SHUTDOWN) {
        vcpu_arch_set_return(v, (u64)hypercall_dispatch(v, e->hypercall.nr, e->hypercall.args));
        return true;
    }
    if (e->reason == VCPU_EXIT_MMIO) {
        struct virq_mark mark;
        virq_mark(v, &mark);
        handle_mmio(v, e);
        /* Full path if the access changed what the guest's interrupt delivery must see (an
         * interrupt became deliverable or was taken back, or the controller's state it runs
         * with was synced): the run loop's pre-entry hook sets it up again. */
        return virq_unchanged(v, &mark) && v->vm->state == VM_RUNNING;
    }
    return false;
}

/* Returns false when the vCPU should give up the pCPU. */
static bool handle_exit(struct vcpu *v, struct vcpu_exit *e)
{
    if (__atomic_load_n(&v->vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING) {
        if (e->reason == VCPU_EXIT_IRQ)
            irq_dispatch();
        return false; /* (a revoked passthrough VM's fault is not worth a report) */
    }
    switch (e->reason) {
    case VCPU_EXIT_NONE:
    case VCPU_EXIT_RETRY:
        return true;
    case VCPU_EXIT_IRQ:
        v->stats.irqs++;
        irq_dispatch();
        return true;
    case VCPU_EXIT_HYPERCALL:
        vcpu_arch_set_return(v, (u64)hypercall_dispatch(v, e->hypercall.nr, e->hypercall.args));
        return true;
    case VCPU_EXIT_MMIO:
        /* Already emulated by handled_fast; it comes here only because an interrupt became
         * deliverable (or the VM ended), which the full loop takes care of. */
        return true;
    case VCPU_EXIT_PIO:
        handle_pio(v, e);
        return true;
    case VCPU_EXIT_HALT:
        v->stats.halts++;
        if (!virq_present(v->vm)) {
            /* No virtual interrupts: WFI just idles the pCPU until any interrupt. */
            if (others_runnable(v))
                return false;
            idle_until_interrupt();
            return true;
        }
        return !vcpu_arch_halt_unless_pending(v);
    case VCPU_EXIT_YIELD:
        return !others_runnable(v);
    case VCPU_EXIT_TIMER:
        return true; /* re-armed by the run loop */
    case VCPU_EXIT_FAULT:
        if (e->fault.abortable && v->vm->config->invalid_access_abort) {
            /* invalid_access = "abort": what a bus with nothing there answers. */
            LOG_AT(LOG_DEBUG, (long)v->vm->id, "vcpu%u: %s (guest-physical %#llx): abort injected", v->id,
                   e->fault.what, (unsigned long long)e->fault.addr.val);
            vcpu_arch_inject_abort(v, e->fault.va, e->fault.instruction);
            return true;
        }
        LOG_AT(LOG_ERROR, (long)v->vm->id, "vcpu%u: %s at pc %#llx", v->id, e->fault.what,
               (unsigned long long)vcpu_arch_pc(v));
        if (e->fault.has_addr)
            vm_request_end(v->vm, VM_END_FAULT, "vcpu%u: %s (guest-physical %#llx), pc %#llx", v->id,
                           e->fault.what, (unsigned long long)e->fault.addr.val, (unsigned long long)vcpu_arch_pc(v));
        else
            vm_request_end(v->vm, VM_END_FAULT, "vcpu%u: %s, pc %#llx", v->id, e->fault.what,
                           (unsigned long long)vcpu_arch_pc(v));
        return false;
    }
    return true;
}

static void timer_fired(void *arg)
{
    (void)arg;
    need_resched[cpu_id()] = true;
}

/* One EL2 timer per pCPU serves the time slice and every software-checked guest timer of the
 * vCPUs here (emulated physical timers, virtual timers of switched-out vCPUs). Polling raises
 * what has expired (waking halted vCPUs); the timer is armed for the earliest next event. */
static void poll_and_arm(u64 slice_end)
{
    struct run_queue *rq = &rqs[cpu_id()];
    u64 now = timer_ticks(), next = slice_end;
    spin_lock(&rq->lock);
    for (u32 i = 0; i < rq->count; i++) {
        struct vcpu *v = rq->vcpus[i];
        if (v->state == VCPU_STOPPED || v->state == VCPU_OFF || v->vm->state != VM_RUNNING ||
            virq_passthrough(v->vm))
            continue; /* a passthrough vCPU's timers interrupt it directly */
        u64 d = vcpu_arch_timer_poll(v, now);
        if (d && (!next || d < next))
            next = d;
    }
    spin_unlock(&rq->lock);
    if (next)
        timer_set_deadline(next, timer_fired, NULL);
    else
        timer_cancel();
}

/* Sharing a pCPU means slices, even when the others sleep now: one may wake at any time (an
 * IPI from the vCPU running here, for instance) and must not wait for a WFI. */
static u64 slice_end_for(void)
{
    return rqs[cpu_id()].count > 1 ? timer_ticks() + timer_ns_to_ticks(SLICE_NS) : 0;
}

static void run_vcpu(struct vcpu *v)
{
    struct vcpu_exit exit;
    u32 cpu = cpu_id();
    need_resched[cpu] = false;
    u64 slice_end = slice_end_for();
    vcpu_arch_load(v);
    vcpu_arch_trap_wfx(v, slice_end != 0); /* alone here: WFI and WFE run natively */
    pt_in_guest[cpu] = virq_passthrough(v->vm);
    poll_and_arm(slice_end);
    while (v->state == VCPU_RUNNABLE && __atomic_load_n(&v->vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING &&
           !v->vm->paused) {
        vcpu_arch_pre_entry(v);
        u64 t0 = arch_counter_relaxed();
        for (;;) { /* time in the guest, and in the hypervisor on the fast path too */
            __atomic_store_n(&v->run_since, t0, __ATOMIC_RELAXED);
            vcpu_arch_run(v, &exit);
            u64 t1 = arch_counter_relaxed();
            v->stats.guest_ticks += t1 - t0;
            /* (after the sum, which the console's fast exits may have left short until now) */
            __atomic_store_n(&v->run_since, 0, __ATOMIC_RELEASE);
            bool fast = handled_fast(v, &exit);
            t0 = arch_counter_relaxed();
            v->stats.hv_ticks += t0 - t1;
            if (!fast)
                break;
        }
        vcpu_arch_post_exit(v);
        bool keep = handle_exit(v, &exit);
        v->stats.hv_ticks += arch_counter_relaxed() - t0;
        if (need_resched[cpu] || exit.reason == VCPU_EXIT_TIMER) {
            need_resched[cpu] = false;
            if (shell_pending())
                break; /* the shell CPU runs the command in its scheduler loop */
            if (slice_end && timer_ticks() >= slice_end) {
                if (others_runnable(v))
                    break; /* time slice used up */
                slice_end = slice_end_for();
                vcpu_arch_trap_wfx(v, slice_end != 0);
            } else if (!slice_end && rqs[cpu].count > 1) {
                slice_end = slice_end_for(); /* a vCPU joined this pCPU (sched_add) */
                vcpu_arch_trap_wfx(v, true);
            }
            poll_and_arm(slice_end);
        }
        if (!keep || need_reap[cpu])
            break; /* (an ending VM's vCPU here is stopped before this one runs on) */
    }
    pt_in_guest[cpu] = false;
}

bool sched_wait_ended(struct vm *vm, u64 timeout_ns)
{
    u64 end = timer_ticks() + timer_ns_to_ticks(timeout_ns);
    while (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_ENDING) {
        reap_ending(); /* its vCPUs here, if any: nobody else stops them */
        if (timer_ticks() >= end)
            return false;
    }
    return true;
}

void sched_loop(void)
{
    u32 cpu = cpu_id();
    for (;;) {
        if (cpu == shell_cpu)
            shell_poll();
        need_reap[cpu] = false;
        reap_ending();
        struct vcpu *v = pick_next();
        if (v) {
            run_vcpu(v);
        } else {
            poll_and_arm(0); /* wake at the next guest timer of a vCPU here */
            if (!pick_next() && !idle_work())
                idle_until_interrupt();
        }
    }
}
