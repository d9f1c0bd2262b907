/* ARM PL011 UART: polled transmit and receive for the hypervisor console. */
#include <base/console.h>
#include <drivers/pl011.h>

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTCR 0x30
#define FR_TXFF (1u << 5)
#define FR_RXFE (1u << 4)
#define UARTIMSC 0x38
#define IMSC_RX (1u << 4)
#define IMSC_RT (1u << 6)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

static inline volatile u32 *reg(struct pl011 *u, u32 off) { return (volatile u32 *)(uintptr_t)(u->base + off); }

void pl011_init(struct pl011 *u, u64 base)
{
    u->base = base;
    u->stuck = false;
    /* Firmware normally enabled it; enabling an enabled PL011 is harmless. */
    *reg(u, UARTCR) |= CR_UARTEN | CR_TXE | CR_RXE;
}

/* A UART that stops draining costs one bounded wait, then one look per byte until it drains
 * again: output is lost, the hypervisor goes on. */
void pl011_putc(void *dev, char c)
{
    struct pl011 *u = dev;
    u32 polls = u->stuck ? 1 : PL011_TX_POLLS;
    while (*reg(u, UARTFR) & FR_TXFF) {
        if (!--polls) {
            u->stuck = true;
            return;
        }
    }
    u->stuck = false;
    *reg(u, UARTDR) = (u8)c;
}

int pl011_getc(void *dev)
{
    struct pl011 *u = dev;
    if (*reg(u, UARTFR) & FR_RXFE)
        return -1;
    return (int)(*reg(u, UARTDR) & 0xff);
}

void pl011_enable_rx_irq(void *dev)
{
    struct pl011 *u = dev;
    *reg(u, UARTIMSC) |= IMSC_RX | IMSC_RT;
}

/* The console driver: one PL011 is the console. */
static struct pl011 console_uart;

static void *pl011_probe(u64 base)
{
    pl011_init(&console_uart, base);
    return &console_uart;
}

CONSOLE_DRIVER(pl011_console) = {
    .compatible = "arm,pl011",
    .probe = pl011_probe,
    .putc = pl011_putc,
    .getc = pl011_getc,
    .enable_rx_irq = pl011_enable_rx_irq,
};
