/* The VM table and what every layer asks of a VM, calling nothing above the run queues
 * (docs/architecture.md, "Layers of hv/"): lookups of its vCPUs and devices, its devices'
 * interrupt lines, its statistics, the request to end it, and its hypercall console. VM
 * creation and teardown, which call down into everything, are vm.c's. */
#include <arch/cpu.h>
#include <base/console.h>
#include <base/log.h>
#include <hv/sched.h>
#include <hv/virq.h>
#include <hv/vm.h>
#include <lib/fmt.h>
#include <lib/tty_filter.h>

struct vm *vm_table[VM_MAX];

/* Everything here happens under vm->lock: once the state is ENDING, another pCPU may stop the
 * last vCPU and finish (release, perhaps rebuild) the VM, and vm_release starts by taking the
 * lock, so it waits until this is done with the VM's stage 2 and vCPUs. */
void vm_request_end(struct vm *vm, enum vm_end_reason reason, const char *fmt, ...)
{
    spin_lock(&vm->lock);
    if (vm->state != VM_RUNNING) {
        spin_unlock(&vm->lock);
        return;
    }
    vm->end_reason = reason;
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(vm->end_detail, sizeof(vm->end_detail), fmt, ap);
    va_end(ap);
    __atomic_store_n(&vm->state, VM_ENDING, __ATOMIC_RELEASE);
    if (virq_passthrough(vm))
        vm_mem_revoke(vm); /* its vCPUs never trap by themselves: make them fault out */
    /* Every pCPU hosting one of its vCPUs notices at its next pass through the run loop. */
    for (u32 i = 0; i < vm->vcpu_count; i++)
        sched_vm_ending(vm->vcpus[i]->pcpu);
    spin_unlock(&vm->lock);
}

u64 vm_vcpu_pcpus(struct vm *vm)
{
    u64 mask = 0;
    spin_lock(&vm->lock);
    for (u32 i = 0; i < vm->vcpu_count; i++)
        mask |= 1ull << vm->vcpus[i]->pcpu;
    spin_unlock(&vm->lock);
    return mask;
}

u64 vm_exit_count(struct vm *vm)
{
    spin_lock(&vm->lock);
    u64 n = vm->exits;
    for (u32 i = 0; i < vm->vcpu_count; i++)
        n += __atomic_load_n(&vm->vcpus[i]->stats.exits, __ATOMIC_RELAXED);
    spin_unlock(&vm->lock);
    return n;
}

u32 vm_vcpu_stats(struct vm *vm, struct vm_vcpu_stat *out, u32 max)
{
    u32 n = 0;
    spin_lock(&vm->lock);
    for (; n < vm->vcpu_count && n < max; n++) {
        struct vcpu *v = vm->vcpus[n];
        u64 since = __atomic_load_n(&v->run_since, __ATOMIC_ACQUIRE);
        out[n] = (struct vm_vcpu_stat){v->pcpu, v->stats};
        /* In the guest since `since`: counted as the run loop will count it (a racing exit may
         * count a span twice in this one copy). */
        if (since)
            out[n].stats.guest_ticks += arch_counter_relaxed() - since;
    }
    spin_unlock(&vm->lock);
    return n;
}

struct vcpu *vm_find_vcpu_by_hwid(struct vm *vm, u64 hwid)
{
    for (u32 i = 0; i < vm->vcpu_count; i++)
        if (vm->vcpus[i]->hwid == hwid)
            return vm->vcpus[i];
    return NULL;
}

struct vdev *vm_find_vdev(struct vm *vm, gpa_t addr)
{
    for (struct vdev *d = vm->devices; d; d = d->next)
        if (addr.val >= d->base.val && addr.val - d->base.val < d->size)
            return d;
    return NULL;
}

struct vdev *vm_find_pio_vdev(struct vm *vm, u32 port)
{
    for (struct vdev *d = vm->pio_devices; d; d = d->next)
        if (port >= d->base.val && port - d->base.val < d->size)
            return d;
    return NULL;
}

/* Two lists, so an MMIO exit never walks the port devices. */
void vm_add_vdev(struct vm *vm, struct vdev *dev)
{
    struct vdev **list = dev->space == VDEV_SPACE_PIO ? &vm->pio_devices : &vm->devices;
    dev->next = *list;
    *list = dev;
}

static void console_flush_locked(struct vm *vm)
{
    char out[sizeof(vm->con_line) + 24];
    int n = fmt_snprintf(out, sizeof(out), "[vm%llu] %.*s\n", (unsigned long long)vm->id, (int)vm->con_len,
                         vm->con_line);
    console_write(out, (size_t)MIN(n, (int)sizeof(out) - 1));
    vm->con_len = 0;
}

/* The hypercall console: whole lines, tagged with the VM, and never anything that would drive
 * the user's terminal (escape sequences, control characters). */
void vm_console_put(struct vm *vm, char c)
{
    char out[TTY_FILTER_OUT_MAX];
    spin_lock(&vm->lock);
    if (c == '\n') {
        console_flush_locked(vm);
        tty_filter_init(&vm->con_filter); /* nothing a line left open carries over */
        spin_unlock(&vm->lock);
        return;
    }
    size_t n = tty_filter_byte(&vm->con_filter, (u8)c, out);
    for (size_t i = 0; i < n; i++) {
        if (vm->con_len == sizeof(vm->con_line))
            console_flush_locked(vm);
        vm->con_line[vm->con_len++] = out[i];
    }
    spin_unlock(&vm->lock);
}

void vm_console_flush(struct vm *vm)
{
    spin_lock(&vm->lock);
    if (vm->con_len)
        console_flush_locked(vm);
    spin_unlock(&vm->lock);
}

const char *vm_end_reason_name(enum vm_end_reason r)
{
    switch (r) {
    case VM_END_SHUTDOWN: return "shutdown";
    case VM_END_RESET: return "reset";
    case VM_END_FAULT: return "fault";
    default: return "running";
    }
}

/* Emulated devices' interrupt lines, through the VM's virtual interrupt controller; without
 * one (interrupt_mode "no_irq"), drivers poll. */
void vdev_irq_set_level(struct vm *vm, u32 irq, bool level)
{
    if (virq_present(vm))
        virq_set_level(vm, NULL, irq, level);
}
