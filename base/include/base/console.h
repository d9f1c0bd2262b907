/* The hypervisor console (one UART). Output is serialised by a lock so lines from different
 * CPUs never interleave mid-line when written with console_write.
 *
 * Which UART: the board's early console (platform_early_console) from the first line of boot,
 * then the one the host DTB's /chosen stdout-path names, when a built-in console driver is
 * compatible with it. Drivers register themselves with CONSOLE_DRIVER; the board's
 * platform.mk decides which are built in. */
#ifndef BASE_CONSOLE_H
#define BASE_CONSOLE_H

#include <lib/fdt.h>
#include <lib/types.h>

struct console_driver {
    /* The DTB compatible string it drives, e.g. "arm,pl011", or on machines without a DTB the
     * name the board gives it (ACPI's hardware id of a PC serial port, "PNP0501"). */
    const char *compatible;
    bool port_io; /* base is an I/O port, not an MMIO address */
    /* Takes over the UART at base (an MMIO address, or an I/O port for port-I/O UARTs) and
     * returns the device the other calls get; NULL when there is none usable there. */
    void *(*probe)(u64 base);
    void (*putc)(void *dev, char c);
    int (*getc)(void *dev);             /* -1 when no input is waiting */
    void (*enable_rx_irq)(void *dev);   /* input raises the UART's interrupt (may be NULL) */
};

/* Registers a console driver (a table the linker collects: see the arch's link.ld). */
#define CONSOLE_DRIVER(name)                                                                               \
    static const struct console_driver name                                                                \
        __attribute__((used, section("console_drivers"), aligned(sizeof(void *))))

/* The UART the console uses, and its interrupt (0 when unknown: no console input). */
struct console_info {
    u64 base;
    u32 irq;
};

/* Boot: the board's early console (before the DTB is read), then the DTB's stdout-path. The
 * DTB step claims the UART's range for the hypervisor and finds its interrupt. */
void console_init_early(void);
void console_init_dtb(const struct fdt *fdt, struct console_info *out);
/* A machine without a DTB: the early console stays; irq is its interrupt as the machine
 * description gives it (0: none). Claims the UART's MMIO page (not a port-I/O UART's ports). */
void console_init_described(u32 irq, struct console_info *out);

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

/* For console_init_*: the driver in use (base/core/console.c). */
void console_use(const struct console_driver *drv, void *dev);

#endif
