/* Time on x86_64: the TSC is the counter (<arch/timer.h>); each CPU's local APIC timer, one-shot,
 * raises the deadlines. Both are measured against the PIT (channel 2, gated through port 0x61,
 * whose output is readable there) at boot: TCG's CPUs have neither TSC-deadline nor a CPUID
 * leaf giving the frequencies. */
#include <arch/timer.h>
#include <arch/x86.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <base/timer.h>
#include <drivers/apic.h>
#include <drivers/lapic.h>

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PIT_GATE 0x61
#define PIT_GATE_ON 0x01
#define PIT_SPEAKER 0x02
#define PIT_OUT2 0x20
#define CALIBRATION_PIT_TICKS 11932u /* 10 ms */
#define CALIBRATION_ROUNDS 3

static u64 apic_hz;
static u64 apic_per_tsc_q32; /* APIC timer ticks per TSC tick, 32.32 fixed point */

static struct {
    void (*fn)(void *);
    void *arg;
    u64 deadline;
} deadline[MAX_CPUS];

/* One PIT interval of CALIBRATION_PIT_TICKS: the TSC and APIC-timer ticks it took. */
static void measure(u64 *tsc, u64 *apic)
{
    outb(PIT_GATE, (u8)((inb(PIT_GATE) & ~PIT_SPEAKER) | PIT_GATE_ON));
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    outb(PIT_MODE, 0xb0); /* channel 2, low then high byte, mode 0 (output high at terminal count) */
    outb(PIT_CH2, CALIBRATION_PIT_TICKS & 0xff);
    outb(PIT_CH2, CALIBRATION_PIT_TICKS >> 8); /* counting starts */
    u64 t0 = rdtsc();
    u32 a0 = lapic_read(LAPIC_TIMER_CURRENT);
    while (!(inb(PIT_GATE) & PIT_OUT2))
        ;
    u64 t1 = rdtsc();
    u32 a1 = lapic_read(LAPIC_TIMER_CURRENT);
    lapic_write(LAPIC_TIMER_INIT, 0);
    *tsc = t1 - t0;
    *apic = a0 - a1;
}

void x86_timer_calibrate(void)
{
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_16);
    u64 best_tsc = ~0ull, best_apic = 0;
    for (int i = 0; i < CALIBRATION_ROUNDS; i++) {
        u64 tsc, apic;
        measure(&tsc, &apic);
        if (tsc < best_tsc) {
            best_tsc = tsc;
            best_apic = apic;
        }
    }
    x86_tsc_hz = best_tsc * PIT_HZ / CALIBRATION_PIT_TICKS;
    apic_hz = best_apic * PIT_HZ / CALIBRATION_PIT_TICKS;
    if (!x86_tsc_hz || !apic_hz)
        panic("timer: calibration against the PIT failed (TSC %llu Hz, APIC timer %llu Hz)",
              (unsigned long long)x86_tsc_hz, (unsigned long long)apic_hz);
    apic_per_tsc_q32 = (apic_hz << 32) / x86_tsc_hz;
    pr_info("timer: TSC %llu.%03llu MHz, local APIC timer %llu.%03llu MHz (measured against the PIT)",
            (unsigned long long)(x86_tsc_hz / 1000000), (unsigned long long)(x86_tsc_hz / 1000 % 1000),
            (unsigned long long)(apic_hz / 1000000), (unsigned long long)(apic_hz / 1000 % 1000));
}

u64 x86_apic_timer_hz(void) { return apic_hz * 16; } /* measured at divide by 16 */

/* Arms the one-shot APIC timer for the TSC value `when` (at least one APIC tick; at most the
 * 32-bit counter, re-armed on expiry until `when` is reached). */
static void program(u64 when)
{
    u64 now = rdtsc();
    u64 delta = when > now ? when - now : 0;
    u64 count = (u64)(((unsigned __int128)delta * apic_per_tsc_q32) >> 32);
    lapic_write(LAPIC_TIMER_INIT, (u32)MAX(1ull, MIN(count, 0xffffffffull)));
}

static void timer_irq(irq_t irq, void *arg)
{
    (void)irq, (void)arg;
    u32 cpu = cpu_id();
    void (*fn)(void *) = deadline[cpu].fn;
    if (!fn)
        return;
    if (rdtsc() < deadline[cpu].deadline) {
        program(deadline[cpu].deadline); /* a far deadline, or an early expiry by rounding */
        return;
    }
    deadline[cpu].fn = NULL;
    fn(deadline[cpu].arg);
}

/* CPUs whose local APIC timer a guest drives (x86_timer_lend): deadlines are kept, not armed. */
static bool lent[MAX_CPUS];

void timer_set_deadline(u64 ticks, void (*fn)(void *), void *arg)
{
    u32 cpu = cpu_id();
    deadline[cpu].fn = fn;
    deadline[cpu].arg = arg;
    deadline[cpu].deadline = ticks;
    if (!lent[cpu])
        program(ticks);
}

void timer_cancel(void)
{
    if (!lent[cpu_id()])
        lapic_write(LAPIC_TIMER_INIT, 0);
    deadline[cpu_id()].fn = NULL;
}

void x86_timer_lend(bool to_guest)
{
    u32 cpu = cpu_id();
    lent[cpu] = to_guest;
    if (!to_guest && deadline[cpu].fn)
        program(deadline[cpu].deadline);
}

void timer_cpu_init(void)
{
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_16);
    lapic_write(LAPIC_TIMER_INIT, 0);
    irq_set_handler(APIC_IRQ_TIMER, timer_irq, NULL);
    irq_enable(APIC_IRQ_TIMER);
}
