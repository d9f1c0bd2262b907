/* An application of the base that reads the console by interrupt: the console UART's receive
 * interrupt (whatever routes it: a GIC SPI, a PLIC source, an I/O APIC input) goes to CPU 0,
 * whose handler drains the UART; the characters are echoed as a line when Enter or 'q' comes.
 * 'q' ends it (power-off); so does 20 s without input. Written against the generic base API. */
#include <arch/cpu.h>
#include <base/app.h>
#include <base/boot.h>
#include <base/console.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/timer.h>

#define IDLE_SECONDS 20

static char line[80];
static volatile u32 line_len, interrupts;
static volatile bool line_done, quit;

static void rx(irq_t irq, void *arg)
{
    (void)irq, (void)arg;
    interrupts++;
    for (int c; (c = console_getc()) >= 0;) {
        if (c == '\r' || c == '\n' || c == 'q') {
            line_done = true;
            quit = quit || c == 'q';
        } else if (line_len < sizeof(line) - 1 && !line_done) {
            line[line_len++] = (char)c;
        }
    }
}

void app_secondary_main(u32 cpu) { (void)cpu; }

void app_main(void)
{
    irq_t irq = boot_info.uart_intid;
    if (!irq) {
        pr_err("console-demo: the console has no interrupt");
        return;
    }
    irq_set_handler(irq, rx, NULL);
    irq_set_target(irq, 0);
    irq_enable(irq);
    console_enable_rx_irq();
    pr_info("console-demo: reading the console by interrupt %u; 'q' ends", irq);
    u64 idle_end = timer_ticks() + IDLE_SECONDS * timer_freq();
    local_irq_disable();
    while (!quit && timer_ticks() < idle_end) {
        timer_set_deadline(timer_ticks() + timer_freq() / 10, NULL, NULL); /* wakes the wait below */
        arch_wait_for_interrupt();
        local_irq_enable();
        local_irq_disable();
        if (line_done) {
            line[line_len] = '\0';
            pr_info("console-demo: got \"%s\" (%u receive interrupts so far)", line, interrupts);
            line_len = 0;
            line_done = false;
            idle_end = timer_ticks() + IDLE_SECONDS * timer_freq();
        }
    }
    timer_cancel();
    irq_disable(irq);
    pr_info("console-demo: %s", quit ? "done" : "no input, giving up");
}
