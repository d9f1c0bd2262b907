/* NS16550A-compatible UART at an I/O port (the PC serial ports, COM1 at 0x3f8; ACPI names them
 * PNP0501): polled transmit and receive for the hypervisor console, the receive interrupt for
 * console input. Set to 115200 8N1 at probe: a multiboot loader does not promise to have done it. */
#include <arch/x86.h>
#include <base/console.h>
#include <drivers/ns16550.h>

#define DIVISOR_115200 1

struct ns16550_pio {
    u16 port;
};

static inline u8 rd(struct ns16550_pio *u, u16 reg) { return inb((u16)(u->port + reg)); }
static inline void wr(struct ns16550_pio *u, u16 reg, u8 v) { outb((u16)(u->port + reg), v); }

static void pio_putc(void *dev, char c)
{
    struct ns16550_pio *u = dev;
    for (u32 i = 0; i < NS16550_TX_POLLS && !(rd(u, NS16550_LSR) & NS16550_LSR_THRE); i++)
        ;
    wr(u, NS16550_THR, (u8)c);
}

static int pio_getc(void *dev)
{
    struct ns16550_pio *u = dev;
    return (rd(u, NS16550_LSR) & NS16550_LSR_DR) ? rd(u, NS16550_RBR) : -1;
}

static void pio_enable_rx_irq(void *dev)
{
    struct ns16550_pio *u = dev;
    wr(u, NS16550_MCR, NS16550_MCR_DTR_RTS | NS16550_MCR_OUT2);
    wr(u, NS16550_IER, (u8)(rd(u, NS16550_IER) | NS16550_IER_RX));
}

static struct ns16550_pio console_uart;

static void *pio_probe(u64 base)
{
    if (base > 0xfff8)
        return NULL;
    console_uart.port = (u16)base;
    struct ns16550_pio *u = &console_uart;
    if (rd(u, NS16550_LSR) == 0xff) /* floating bus: no UART there */
        return NULL;
    wr(u, NS16550_IER, 0);
    wr(u, NS16550_LCR, NS16550_LCR_DLAB);
    wr(u, NS16550_DLL, DIVISOR_115200);
    wr(u, NS16550_DLM, 0);
    wr(u, NS16550_LCR, NS16550_LCR_8N1);
    wr(u, NS16550_FCR, NS16550_FCR_ENABLE);
    wr(u, NS16550_MCR, NS16550_MCR_DTR_RTS);
    return u;
}

CONSOLE_DRIVER(ns16550_pio_console) = {
    .compatible = "PNP0501",
    .port_io = true,
    .probe = pio_probe,
    .putc = pio_putc,
    .getc = pio_getc,
    .enable_rx_irq = pio_enable_rx_irq,
};
