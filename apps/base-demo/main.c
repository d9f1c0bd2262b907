/* A tiny application of the unikernel base alone (no hypervisor): proves the base boots,
 * allocates, takes timer interrupts, runs code on every CPU and reaches each of them with an
 * IPI, without the hypervisor app. Written against the generic base API only, so it runs on
 * every architecture the base is ported to. */
#include <arch/cpu.h>
#include <base/app.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/timer.h>

static volatile u32 cpus_checked_in;
static volatile u32 ticks_seen;
static volatile u32 ipis_seen[MAX_CPUS];

static void tick(void *arg)
{
    (void)arg;
    ticks_seen++;
    if (ticks_seen < 5)
        timer_set_deadline(timer_ticks() + timer_freq() / 100, tick, NULL);
}

static void ipi(irq_t irq, void *arg)
{
    (void)irq, (void)arg;
    __atomic_fetch_add(&ipis_seen[cpu_id()], 1, __ATOMIC_RELEASE);
}

/* Spins with interrupts taken until cond() holds or 1 s has passed (no WFI: what ends the wait
 * may be another CPU's store, which wakes nobody). */
static void wait_for(bool (*cond)(u32), u32 arg)
{
    u64 end = timer_ticks() + timer_freq();
    local_irq_enable();
    while (!cond(arg) && timer_ticks() < end)
        arch_cpu_relax();
}

static bool got_ipi(u32 cpu) { return __atomic_load_n(&ipis_seen[cpu], __ATOMIC_ACQUIRE) > 0; }

void app_secondary_main(u32 cpu)
{
    irq_enable(IRQ_IPI_WAKEUP); /* per-CPU on some controllers: each CPU enables its own */
    local_irq_enable();
    pr_info("base-demo: cpu%u online", cpu);
    __atomic_fetch_add(&cpus_checked_in, 1, __ATOMIC_RELEASE);
    wait_for(got_ipi, cpu);
    local_irq_disable();
}

static bool secondaries_in(u32 unused)
{
    (void)unused;
    return __atomic_load_n(&cpus_checked_in, __ATOMIC_ACQUIRE) + 1 >= cpu_count() && ticks_seen >= 5;
}

void app_main(void)
{
    pr_info("base-demo: %u CPUs, %llu MiB free, %s", cpu_count(),
            (unsigned long long)(mm_free_page_count() * PAGE_SIZE >> 20), irq_controller_name());
    void *a = kmalloc(100), *b = kmalloc(5000);
    kfree(a);
    kfree(b);
    irq_set_handler(IRQ_IPI_WAKEUP, ipi, NULL);
    timer_set_deadline(timer_ticks() + timer_freq() / 100, tick, NULL);
    local_irq_enable();
    wait_for(secondaries_in, 0);
    pr_info("base-demo: %u timer interrupts, %u secondary CPUs checked in", ticks_seen, cpus_checked_in);
    u32 answered = 0;
    for (u32 c = 1; c < cpu_count(); c++) {
        irq_send_ipi(c, IRQ_IPI_WAKEUP);
        wait_for(got_ipi, c);
        answered += got_ipi(c);
    }
    local_irq_disable();
    pr_info("base-demo: IPIs answered by %u of %u secondary CPUs", answered, cpu_count() - 1);
    pr_info("base-demo: done");
}
