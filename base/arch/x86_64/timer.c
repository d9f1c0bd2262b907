/* Time on x86_64: the TSC is the counter (<arch/timer.h>); each CPU's local APIC timer, one-shot,
 * raises the deadlines. Both are measured against the PIT's channel 2 at boot: TCG's CPUs have
 * neither TSC-deadline nor a CPUID leaf giving the frequencies. The measurement must be good to
 * well under 0.05 %: every VM's HPET, PIT and PM timer count from the TSC at this rate, and a
 * Linux guest that calibrated its TSC elsewhere (the host's PM timer, passed through) marks its
 * TSC unstable when its HPET drifts from it by more. So each end of a 20 ms interval is a
 * latched PIT count read with the TSC around it, the tightest of several tries, and the median
 * of three intervals is kept; polling the PIT's output pin instead read 0.2-1.5 % fast under
 * TCG, and up to 20 % on a loaded host. */
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
#define PIT_LATCH_CH2 0x80
#define PIT_CH2_RATE 0xb4
#define CALIBRATION_PIT_TICKS 23864u /* 20 ms */
#define CALIBRATION_ROUNDS 3
#define SAMPLE_TRIES 8

static u64 apic_hz;
static u64 apic_per_tsc_q32; /* APIC timer ticks per TSC tick, 32.32 fixed point */

static struct {
    void (*fn)(void *);
    void *arg;
    u64 deadline;
} deadline[MAX_CPUS];

/* One reading of the reference: PIT channel 2's count, latched, with the TSC and the APIC
 * timer's count read around the latch command. Of SAMPLE_TRIES tries the one whose latch took
 * the fewest TSC ticks wins: a try is stretched when the host deschedules QEMU, or when the
 * port access waits for QEMU's I/O lock. */
struct ref_sample {
    u64 tsc; /* midway through the latch */
    u32 apic;
    u16 pit;
};

static u16 pit_count(void)
{
    outb(PIT_MODE, PIT_LATCH_CH2);
    u8 lo = inb(PIT_CH2);
    return (u16)(lo | inb(PIT_CH2) << 8);
}

static struct ref_sample sample(void)
{
    struct ref_sample best = {0};
    u64 best_window = ~0ull;
    for (int i = 0; i < SAMPLE_TRIES; i++) {
        u64 t0 = rdtsc();
        outb(PIT_MODE, PIT_LATCH_CH2);
        u32 apic = lapic_read(LAPIC_TIMER_CURRENT);
        u64 t1 = rdtsc();
        u8 lo = inb(PIT_CH2);
        u16 pit = (u16)(lo | inb(PIT_CH2) << 8);
        if (t1 - t0 < best_window) {
            best_window = t1 - t0;
            best = (struct ref_sample){.tsc = t0 + (t1 - t0) / 2, .apic = apic, .pit = pit};
        }
    }
    return best;
}

/* One measurement over at least CALIBRATION_PIT_TICKS of the PIT: the TSC and APIC-timer ticks
 * per PIT tick, from a reading at each end. The PIT's 16-bit count wraps every 55 ms; the
 * ticks in between are summed from polls, each far shorter than a wrap. */
static void measure(u64 *tsc_hz, u64 *apic_hz_out)
{
    outb(PIT_GATE, (u8)((inb(PIT_GATE) & ~PIT_SPEAKER) | PIT_GATE_ON));
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    outb(PIT_MODE, PIT_CH2_RATE); /* channel 2, low then high byte, mode 2: counts down, reloads */
    outb(PIT_CH2, 0);
    outb(PIT_CH2, 0); /* 0 = 65536: the longest period */
    (void)pit_count();
    struct ref_sample first = sample();
    u64 ticks = 0;
    u16 prev = first.pit;
    while (ticks < CALIBRATION_PIT_TICKS) {
        u16 now = pit_count();
        ticks += (u16)(prev - now);
        prev = now;
    }
    struct ref_sample last = sample();
    ticks += (u16)(prev - last.pit);
    lapic_write(LAPIC_TIMER_INIT, 0);
    *tsc_hz = (last.tsc - first.tsc) * PIT_HZ / ticks;
    *apic_hz_out = (u64)(first.apic - last.apic) * PIT_HZ / ticks;
}

static void sort3(u64 *v)
{
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2 - i; j++)
            if (v[j] > v[j + 1]) {
                u64 t = v[j];
                v[j] = v[j + 1];
                v[j + 1] = t;
            }
}

int x86_timer_calibrate(void)
{
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_16);
    u64 tsc[CALIBRATION_ROUNDS], apic[CALIBRATION_ROUNDS];
    for (int i = 0; i < CALIBRATION_ROUNDS; i++) {
        measure(&tsc[i], &apic[i]);
    }
    sort3(tsc);
    sort3(apic);
    /* The median: one round a descheduled QEMU stretched does not move it. */
    x86_tsc_hz = tsc[1];
    apic_hz = apic[1];
    if (!x86_tsc_hz || !apic_hz) {
        pr_err("timer: calibration against the PIT failed (TSC %llu Hz, APIC timer %llu Hz)",
               (unsigned long long)x86_tsc_hz, (unsigned long long)apic_hz);
        x86_tsc_hz = 0;
        return -1;
    }
    apic_per_tsc_q32 = (apic_hz << 32) / x86_tsc_hz;
    pr_info("timer: TSC %llu.%03llu MHz, local APIC timer %llu.%03llu MHz (measured against the PIT, "
            "%d rounds within %llu ppm)",
            (unsigned long long)(x86_tsc_hz / 1000000), (unsigned long long)(x86_tsc_hz / 1000 % 1000),
            (unsigned long long)(apic_hz / 1000000), (unsigned long long)(apic_hz / 1000 % 1000), CALIBRATION_ROUNDS,
            (unsigned long long)((tsc[CALIBRATION_ROUNDS - 1] - tsc[0]) * 1000000 / x86_tsc_hz));
    return 0;
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

/* CPUs whose local APIC timer a guest drives (x86_timer_lend): deadlines are kept, not armed. */
static bool lent[MAX_CPUS];

static void timer_irq(irq_t irq, void *arg)
{
    (void)irq, (void)arg;
    u32 cpu = cpu_id();
    void (*fn)(void *) = deadline[cpu].fn;
    if (!fn)
        return;
    if (rdtsc() < deadline[cpu].deadline) {
        /* A far deadline, or an early expiry by rounding: armed again, unless the timer is a
         * guest's now (an expiry left pending when it was lent: apic_lend takes it). */
        if (!lent[cpu])
            program(deadline[cpu].deadline);
        return;
    }
    deadline[cpu].fn = NULL;
    fn(deadline[cpu].arg);
}

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
