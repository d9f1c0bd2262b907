/* The supervisor timer: Sstc's stimecmp when the CPU has it (no trip to the firmware per
 * deadline), else the SBI TIME extension. The interrupt is the hart-local supervisor timer
 * interrupt (RISCV_IRQ_TIMER of the interrupt driver). */
#include <arch/csr.h>
#include <arch/sbi.h>
#include <arch/timer.h>
#include <base/irq.h>
#include <base/percpu.h>
#include <base/timer.h>
#include <drivers/riscv_plic.h>


static struct {
    void (*fn)(void *);
    void *arg;
} deadline[MAX_CPUS];

static void program(u64 ticks)
{
    if (riscv_has_sstc)
        __asm__ volatile("csrw 0x14d, %0" ::"r"(ticks) : "memory"); /* stimecmp */
    else
        sbi_set_timer(ticks);
}

static void timer_irq(irq_t irq, void *arg)
{
    (void)irq, (void)arg;
    u32 cpu = cpu_id();
    program(~0ull); /* also lowers the pending interrupt */
    void (*fn)(void *) = deadline[cpu].fn;
    deadline[cpu].fn = NULL;
    if (fn)
        fn(deadline[cpu].arg);
}

void timer_set_deadline(u64 ticks, void (*fn)(void *), void *arg)
{
    u32 cpu = cpu_id();
    deadline[cpu].fn = fn;
    deadline[cpu].arg = arg;
    program(ticks);
}

void timer_cancel(void)
{
    program(~0ull);
    deadline[cpu_id()].fn = NULL;
}

void timer_cpu_init(void)
{
    program(~0ull);
    irq_set_handler(RISCV_IRQ_TIMER, timer_irq, NULL);
    irq_enable(RISCV_IRQ_TIMER);
}
