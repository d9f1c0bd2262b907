/* Local-APIC passthrough (<arch/lapic_pt.h>): the VM's read-only view of its pCPU's APIC page,
 * the checked writes, and the APIC handed over clean and taken back. */
#include <arch/lapic_pt.h>
#include <arch/pte.h>
#include <arch/timer.h>
#include <base/mm.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/apic.h>
#include <drivers/lapic.h>
#include <hv/arch.h>
#include <hv/vcpu.h>
#include <hv/vdev.h>
#include <hv/vm.h>
#include <lib/diag.h>

#define APIC_PAGE 0xfee00000ull
#define ISR_WORDS 8
#define EOI_MAX 256 /* at most one in-service bit per vector */
#define LVT_TIMER_PERIODIC (1u << 17)

/* The host's APIC registers while a passthrough vCPU has the pCPU, restored when it leaves. */
static const u32 saved_regs[] = {LAPIC_SVR,       LAPIC_TPR,       LAPIC_LDR,       LAPIC_DFR,
                                 LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL, LAPIC_LVT_PERF, LAPIC_LVT_LINT0,
                                 LAPIC_LVT_LINT1, LAPIC_LVT_ERROR, LAPIC_TIMER_DIVIDE};
static const u32 lvts[] = {LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL, LAPIC_LVT_PERF, LAPIC_LVT_LINT0, LAPIC_LVT_LINT1,
                           LAPIC_LVT_ERROR};
static u32 host_regs[MAX_CPUS][ARRAY_SIZE(saved_regs)];
static u32 icr_high[MAX_CPUS]; /* the guest's ICR[63:32] (the hardware's is the host's too) */

static void quiesce(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(lvts); i++)
        lapic_write(lvts[i], LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_INIT, 0);
    lapic_write(LAPIC_TPR, 0);
    /* Nothing left in service: each EOI ends the highest one. */
    for (int n = 0; n < EOI_MAX; n++) {
        bool any = false;
        for (u32 w = 0; w < ISR_WORDS && !any; w++)
            any = lapic_read(LAPIC_ISR0 + 16 * w) != 0;
        if (!any)
            break;
        lapic_eoi();
    }
    lapic_write(LAPIC_ESR, 0);
}

void lapic_pt_enter(struct vcpu *v)
{
    u32 cpu = cpu_id();
    for (size_t i = 0; i < ARRAY_SIZE(saved_regs); i++)
        host_regs[cpu][i] = lapic_read(saved_regs[i]);
    x86_timer_lend(true);
    quiesce();
    apic_lend(true); /* what the host left pending is the host's: none of it reaches the guest */
    icr_high[cpu] = 0;
    LOG_AT(LOG_INFO, (long)v->vm->id, "vcpu%u drives the local APIC of pCPU %u (APIC id %u) itself", v->id, cpu,
           lapic_id());
}

void lapic_pt_leave(struct vcpu *v)
{
    u32 cpu = cpu_id();
    /* What it cost: its interrupts and HLTs never exit, its APIC writes do (MMIO). */
    const struct vcpu_stats *s = &v->stats;
    LOG_AT(LOG_INFO, (long)v->vm->id,
           "vcpu%u gives the local APIC of pCPU %u back: %llu exits (hypercalls %llu, MMIO and port I/O %llu, "
           "HLT %llu, host interrupts %llu)", v->id, cpu, (unsigned long long)s->exits,
           (unsigned long long)s->hypercalls, (unsigned long long)s->mmio, (unsigned long long)s->halts,
           (unsigned long long)s->irqs);
    quiesce();
    apic_lend(false); /* what the guest left pending is its own: none of it reaches the host */
    for (size_t i = 0; i < ARRAY_SIZE(saved_regs); i++)
        lapic_write(saved_regs[i], host_regs[cpu][i]);
    x86_timer_lend(false);
}

/* Reads need no exit (the page is mapped); one that comes here reads the hardware. */
static bool pt_read(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 *value)
{
    (void)dev, (void)v;
    if (width != 4 || (off & 3))
        return false;
    *value = lapic_read((u32)off);
    return true;
}

/* A periodic timer's period held to LAPIC_PT_MIN_PERIOD_US, whichever of the LVT, the divider or
 * the count made it shorter (rewriting the count restarts the timer, as the guest's write did). */
static void clamp_periodic(void)
{
    u32 init = lapic_read(LAPIC_TIMER_INIT);
    if (!(lapic_read(LAPIC_LVT_TIMER) & LVT_TIMER_PERIODIC) || !init)
        return;
    u32 min = lapic_pt_min_periodic_count(lapic_read(LAPIC_TIMER_DIVIDE), x86_apic_timer_hz());
    if (init < min)
        lapic_write(LAPIC_TIMER_INIT, min);
}

static bool pt_write(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 value)
{
    (void)dev;
    if (width != 4 || (off & 15))
        return false; /* as the hardware: aligned 32-bit accesses only (the VM gets the report) */
    u32 cpu = cpu_id(), val = (u32)value;
    const char *why;
    switch (lapic_pt_check((u32)off, val, icr_high[cpu], lapic_id(), &why)) {
    case LAPIC_PT_WRITE:
        if (off == LAPIC_TIMER_INIT && val && (lapic_read(LAPIC_LVT_TIMER) & LVT_TIMER_PERIODIC)) {
            u32 min = lapic_pt_min_periodic_count(lapic_read(LAPIC_TIMER_DIVIDE), x86_apic_timer_hz());
            val = val < min ? min : val; /* never armed shorter, even for an instant */
        }
        lapic_write((u32)off, val);
        if (off == LAPIC_TIMER_INIT || off == LAPIC_LVT_TIMER || off == LAPIC_TIMER_DIVIDE)
            clamp_periodic();
        break;
    case LAPIC_PT_IGNORE:
        break;
    case LAPIC_PT_ICR_HIGH:
        icr_high[cpu] = val;
        break;
    case LAPIC_PT_SEND_IPI:
        lapic_send_ipi(lapic_id(), (u8)val); /* the check allowed this CPU alone */
        break;
    case LAPIC_PT_REFUSE:
        vm_request_end(v->vm, VM_END_FAULT, "vcpu%u: local APIC write %#x at offset %#llx refused: %s", v->id, val,
                       (unsigned long long)off, why);
        break;
    }
    return true;
}

static const struct vdev_ops pt_ops = {.read = pt_read, .write = pt_write};

/* The APIC page in the VM's nested tables, readable, uncached, not executable (what
 * vm_arch_map makes of S2_READ | S2_DEVICE; written here so that this file stays below npt.c). */
static int map_apic_page_read_only(struct vm *vm)
{
    return pt_map(&vm->arch.npt, APIC_PAGE, APIC_PAGE, 0x1000, PTE_US | PTE_NX | PTE_PCD | PTE_PWT);
}

int lapic_pt_create(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    struct vdev *dev = kzalloc(sizeof(*dev));
    if (!dev || map_apic_page_read_only(vm) != 0) {
        kfree(dev);
        diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                   "out of memory for the local APIC passthrough");
        return -1;
    }
    *dev = (struct vdev){.name = "local APIC (passthrough)", .space = VDEV_SPACE_MMIO, .base = gpa(APIC_PAGE),
                         .size = 0x1000, .ops = &pt_ops};
    vm_add_vdev(vm, dev);
    vm->arch.lapic_pt = true;
    return 0;
}
