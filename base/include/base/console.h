/* The hypervisor console (one physical UART). Output is serialised by a lock so lines from
 * different CPUs never interleave mid-line when written with console_write. */
#ifndef BASE_CONSOLE_H
#define BASE_CONSOLE_H

#include <lib/types.h>

struct console_ops {
    void (*putc)(void *dev, char c);
    int (*getc)(void *dev); /* -1 when no input is waiting */
    void (*enable_rx_irq)(void *dev); /* input raises the UART's interrupt (boot_info.uart_intid) */
    void *dev;
};

void console_register(const struct console_ops *ops);
void console_write(const char *s, size_t len); /* takes the console lock */
void console_puts(const char *s);
int console_getc(void);
void console_enable_rx_irq(void);
/* One line written in several pieces without another CPU's output in between:
 * console_begin(); console_write_unlocked(...)...; console_end(); */
void console_begin(void);
void console_end(void);
/* For the panic path: write without taking the lock (it may be held by a dead CPU). */
void console_write_unlocked(const char *s, size_t len);

#endif
