#ifndef DRIVERS_PL011_H
#define DRIVERS_PL011_H

#include <lib/types.h>

struct pl011 {
    u64 base;
    bool stuck; /* the transmit FIFO stayed full for a whole bounded wait */
};

/* How many times pl011_putc reads a full transmit FIFO before it drops the byte: far longer than
 * a working UART takes to send one (87 us at 115200 baud), short enough that a UART that never
 * drains (disabled or stopped by someone else) cannot hang every CPU that logs. */
#define PL011_TX_POLLS 100000

void pl011_init(struct pl011 *u, u64 base);
void pl011_putc(void *dev, char c);
int pl011_getc(void *dev);
void pl011_enable_rx_irq(void *dev);

#endif
