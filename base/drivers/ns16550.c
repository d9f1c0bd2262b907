/* NS16550A-compatible UART (8250 family) on MMIO with byte-wide registers one byte apart
 * (reg-shift 0: QEMU virt's): polled transmit and receive for the hypervisor console, the
 * receive interrupt for console input. */
#include <base/console.h>

#define RBR 0 /* receive buffer (read) */
#define THR 0 /* transmit holding (write) */
#define IER 1
#define IER_RX (1u << 0)
#define LSR 5
#define LSR_DR (1u << 0)   /* data ready */
#define LSR_THRE (1u << 5) /* transmit holding register empty */
#define TX_POLLS 1000000   /* a stuck UART drops characters instead of hanging the CPU */

struct ns16550 {
    u64 base;
};

static inline volatile u8 *reg(struct ns16550 *u, u32 off) { return (volatile u8 *)(uintptr_t)(u->base + off); }

static void ns16550_putc(void *dev, char c)
{
    struct ns16550 *u = dev;
    for (u32 i = 0; i < TX_POLLS && !(*reg(u, LSR) & LSR_THRE); i++)
        ;
    *reg(u, THR) = (u8)c;
}

static int ns16550_getc(void *dev)
{
    struct ns16550 *u = dev;
    return (*reg(u, LSR) & LSR_DR) ? *reg(u, RBR) : -1;
}

static void ns16550_enable_rx_irq(void *dev)
{
    struct ns16550 *u = dev;
    *reg(u, IER) |= IER_RX;
}

/* The console driver: one UART is the console. The firmware has set it up (baud rate, 8N1). */
static struct ns16550 console_uart;

static void *ns16550_probe(u64 base)
{
    console_uart.base = base;
    return &console_uart;
}

CONSOLE_DRIVER(ns16550_console) = {
    .compatible = "ns16550a",
    .probe = ns16550_probe,
    .putc = ns16550_putc,
    .getc = ns16550_getc,
    .enable_rx_irq = ns16550_enable_rx_irq,
};
