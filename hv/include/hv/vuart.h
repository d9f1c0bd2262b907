/* The console UART models a VM's console (hv/core/vconsole.c) can be: each a register file over
 * MMIO or port I/O (hv/devices/), behind one small interface, so the console's input buffering,
 * focus and output routing stay generic. The architecture picks its model
 * (vm_arch_console_uart in <hv/arch.h>): aarch64 the PL011 over MMIO, x86_64 the 16550 over
 * port I/O, riscv64 the 16550 over MMIO. */
#ifndef HV_VUART_H
#define HV_VUART_H

#include <hv/vdev.h>
#include <lib/types.h>

struct vuart_host {
    void (*tx)(void *ctx, char c);          /* the guest transmitted a byte */
    void (*set_irq)(void *ctx, bool level); /* the UART's interrupt line, on change */
    void *ctx;
};

struct vuart_model {
    const char *name;      /* the vdev's name, e.g. "vpl011" */
    enum vdev_space space; /* where its registers answer */
    u64 size;              /* bytes (or ports) of its register window */
    size_t state_size;     /* bytes of its state, which follows struct vconsole */
    void (*init)(void *uart, const struct vuart_host *host);
    bool (*read)(void *uart, u64 offset, u8 width, u64 *value);
    bool (*write)(void *uart, u64 offset, u8 width, u64 value);
    bool (*rx)(void *uart, char c);         /* input byte; false when its FIFO is full */
    size_t (*rx_space)(const void *uart);
    int (*getc)(void *uart); /* takes a received byte (-1: none); NULL: firmware reads no input */
    /* Optional, for an exit path that skips the run loop (vconsole_fast_mmio): a read without
     * side effects, taken without the console's lock, and a write, under it, that changes no
     * interrupt line. False: not served (the full path takes it), nothing changed. */
    bool (*fast_read)(const void *uart, u64 offset, u8 width, u64 *value);
    bool (*fast_write)(void *uart, u64 offset, u8 width, u64 value);
};

extern const struct vuart_model vpl011_console_model;
extern const struct vuart_model vns16550_console_model;
extern const struct vuart_model vns16550_mmio_console_model;

#endif
