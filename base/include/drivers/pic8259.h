/* The legacy 8259A interrupt controller pair of PC-compatible machines. */
#ifndef DRIVERS_PIC8259_H
#define DRIVERS_PIC8259_H

/* Remaps both chips off the CPU's exception vectors (to 0x20-0x2f) and masks every input: the
 * base takes its interrupts through the I/O APIC. */
void pic8259_disable(void);

#endif
