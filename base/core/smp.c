/* Starting the CPUs the DTB lists (through the arch's smp_start_cpu) and stopping them. */
#include <arch/cpu.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <base/smp.h>
#include <base/timer.h>

static volatile bool stopping;

static void wake_up(void *arg) { (void)arg; } /* the timer only ends the WFI */

void smp_start_secondaries(void)
{
    for (u32 c = 1; c < cpu_count(); c++) {
        int r = smp_start_cpu(c);
        if (r != 0) {
            pr_warn("boot: cpu%u (hwid %#llx) did not start: firmware error %d", c,
                    (unsigned long long)cpu_hwid(c), r);
            continue;
        }
        /* Up to 1 s, halted between 1 ms timer ticks, not spinning: under QEMU's -icount all CPUs
         * run in turn on one thread, and a spinning CPU 0 kept the one being started (on riscv64
         * in OpenSBI's HSM code) from running at all ("did not come online", make bench). */
        u64 deadline = timer_ticks() + timer_freq();
        while (!__atomic_load_n(&percpu_data[c].online, __ATOMIC_ACQUIRE) && timer_ticks() < deadline) {
            timer_set_deadline(timer_ticks() + timer_freq() / 1000, wake_up, NULL);
            arch_wait_for_interrupt();
        }
        timer_cancel();
        if (!percpu_data[c].online)
            pr_warn("boot: cpu%u did not come online", c);
    }
}

/* Other CPUs spin in their idle loops or run guests; the IPI brings them into the base, where
 * the handler parks them. Best effort: the machine is powered off right after. */
static void stop_handler(irq_t irq, void *arg)
{
    (void)irq, (void)arg;
    if (stopping)
        arch_cpu_halt();
}

void smp_stop_others(void)
{
    stopping = true;
    for (u32 c = 0; c < cpu_count(); c++)
        if (c != cpu_id() && percpu_data[c].online)
            irq_send_ipi(c, IRQ_IPI_STOP);
}

void smp_cpu_init(void)
{
    irq_set_handler(IRQ_IPI_STOP, stop_handler, NULL);
    irq_enable(IRQ_IPI_STOP);
}
