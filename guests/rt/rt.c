/* The generic half of the test guests' runtime (guest.h). */
#include "guest.h"

void gprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    hypercall(HC_CONSOLE_WRITE, (unsigned long)buf, n < (int)sizeof(buf) ? (unsigned long)n : sizeof(buf) - 1);
}

void uart_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    for (const char *p = buf; *p; p++) {
        if (*p == '\n')
            guest_uart_putc('\r');
        guest_uart_putc(*p);
    }
}

void guest_delay_ms(u64 ms)
{
    u64 end = guest_counter() + guest_counter_freq() * ms / 1000;
    while (guest_counter() < end)
        ;
}

/* Guests that start no secondary vCPU. */
__attribute__((weak)) void guest_secondary_main(u64 vcpu) { (void)vcpu; }
