/* A tiny application of the unikernel base alone (no hypervisor): proves the base boots,
 * allocates, takes timer interrupts and runs code on every CPU without the hypervisor app. */
#include <arch/cpu.h>
#include <base/app.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/timer.h>

static volatile u32 cpus_checked_in;
static volatile u32 ticks_seen;

static void tick(void *arg)
{
    (void)arg;
    ticks_seen++;
    if (ticks_seen < 5)
        timer_set_deadline(timer_ticks() + timer_freq() / 100, tick, NULL);
}

void app_secondary_main(u32 cpu)
{
    pr_info("base-demo: cpu%u online", cpu);
    __atomic_fetch_add(&cpus_checked_in, 1, __ATOMIC_RELAXED);
}

void app_main(void)
{
    pr_info("base-demo: %u CPUs, %llu MiB free, %s", cpu_count(),
            (unsigned long long)(mm_free_page_count() * PAGE_SIZE >> 20), irq_controller_name());
    void *a = kmalloc(100), *b = kmalloc(5000);
    kfree(a);
    kfree(b);
    timer_set_deadline(timer_ticks() + timer_freq() / 100, tick, NULL);
    local_irq_enable();
    u64 end = timer_ticks() + timer_freq();
    while ((ticks_seen < 5 || cpus_checked_in + 1 < cpu_count()) && timer_ticks() < end)
        arch_wait_for_interrupt();
    local_irq_disable();
    pr_info("base-demo: %u timer interrupts, %u secondary CPUs checked in", ticks_seen, cpus_checked_in);
    pr_info("base-demo: done");
}
