/* Registers of the NS16550A-compatible UART (8250 family), shared by its MMIO and port-I/O
 * console drivers. */
#ifndef DRIVERS_NS16550_H
#define DRIVERS_NS16550_H

#define NS16550_RBR 0 /* receive buffer (read) */
#define NS16550_THR 0 /* transmit holding (write) */
#define NS16550_DLL 0 /* divisor latch, low (with LCR.DLAB) */
#define NS16550_IER 1
#define NS16550_DLM 1 /* divisor latch, high (with LCR.DLAB) */
#define NS16550_FCR 2
#define NS16550_LCR 3
#define NS16550_MCR 4
#define NS16550_LSR 5
#define NS16550_IER_RX (1u << 0)
#define NS16550_FCR_ENABLE 0x07 /* FIFOs on and cleared */
#define NS16550_LCR_8N1 0x03
#define NS16550_LCR_DLAB 0x80
#define NS16550_MCR_DTR_RTS 0x03
#define NS16550_MCR_OUT2 0x08 /* on PCs, gates the UART's interrupt onto its IRQ line */
#define NS16550_LSR_DR (1u << 0)   /* data ready */
#define NS16550_LSR_THRE (1u << 5) /* transmit holding register empty */
#define NS16550_TX_POLLS 1000000   /* a stuck UART drops characters instead of hanging the CPU */

#endif
