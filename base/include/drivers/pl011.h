#ifndef DRIVERS_PL011_H
#define DRIVERS_PL011_H

#include <lib/types.h>

struct pl011 {
    u64 base;
};

void pl011_init(struct pl011 *u, u64 base);
void pl011_putc(void *dev, char c);
int pl011_getc(void *dev);
void pl011_enable_rx_irq(void *dev);

#endif
