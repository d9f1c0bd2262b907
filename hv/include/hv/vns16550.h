/* Emulated NS16550A UART (the PC's COM port; also the riscv64 virt board's console): pure
 * register logic, no locking, no allocation, like the PL011 model (<hv/vpl011.h>). Registers are
 * numbered 0-7 (a port-I/O UART's port offsets; an MMIO one scales them by its register stride).
 * What is modelled: the divisor latch (DLAB), IER/IIR/FCR/LCR/MCR/LSR/MSR/SCR, a 16-byte receive
 * FIFO, loopback, and the interrupt line (received data, transmitter empty). Transmission is
 * instant: THR empty and TEMT are always set. */
#ifndef HV_VNS16550_H
#define HV_VNS16550_H

#include <lib/types.h>

struct vns16550_host {
    void (*tx)(void *ctx, char c);          /* the guest transmitted a byte */
    void (*set_irq)(void *ctx, bool level); /* the interrupt line (MCR.OUT2 gates it, as on a PC) */
    void *ctx;
};

#define VNS16550_FIFO 16
#define VNS16550_REGS 8 /* ports (or registers) of the window */

#define VNS16550_RBR 0 /* read: receive buffer; write: THR; DLAB: DLL */
#define VNS16550_IER 1 /* DLAB: DLM */
#define VNS16550_IIR 2 /* read: IIR; write: FCR */
#define VNS16550_LCR 3
#define VNS16550_MCR 4
#define VNS16550_LSR 5
#define VNS16550_MSR 6
#define VNS16550_SCR 7

#define VNS16550_IER_RDI (1u << 0)  /* received data available */
#define VNS16550_IER_THRI (1u << 1) /* transmitter holding register empty */
#define VNS16550_IIR_NONE 0x01u
#define VNS16550_IIR_THRI 0x02u
#define VNS16550_IIR_RDI 0x04u
#define VNS16550_IIR_FIFO 0xc0u     /* FIFOs enabled */
#define VNS16550_FCR_ENABLE (1u << 0)
#define VNS16550_FCR_CLEAR_RX (1u << 1)
#define VNS16550_LCR_DLAB (1u << 7)
#define VNS16550_MCR_OUT2 (1u << 3)
#define VNS16550_MCR_LOOP (1u << 4)
#define VNS16550_LSR_DR (1u << 0)
#define VNS16550_LSR_OE (1u << 1)
#define VNS16550_LSR_THRE (1u << 5)
#define VNS16550_LSR_TEMT (1u << 6)

struct vns16550 {
    struct vns16550_host host; /* copied at init */
    u8 rx_fifo[VNS16550_FIFO];
    u8 rx_head, rx_count;
    u8 ier, lcr, mcr, scr, fcr;
    u8 dll, dlm;
    bool lsr_oe;      /* overrun, cleared by reading LSR */
    bool thri_latch;  /* THR-empty interrupt pending (cleared by reading IIR or writing THR) */
    bool irq_level;   /* last level reported through host.set_irq */
};

void vns16550_init(struct vns16550 *u, const struct vns16550_host *host);
/* reg 0-7, width 1 (anything else is refused: false). */
bool vns16550_read(struct vns16550 *u, u64 reg, u8 width, u64 *value);
bool vns16550_write(struct vns16550 *u, u64 reg, u8 width, u64 value);
bool vns16550_rx(struct vns16550 *u, char c); /* input byte; false when the FIFO is full */
size_t vns16550_rx_space(const struct vns16550 *u);
/* Takes the oldest received byte as the firmware's console would (SBI getchar): -1 when none. */
int vns16550_getc(struct vns16550 *u);

#endif
