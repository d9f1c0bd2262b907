/* Emulated ARM PL011 UART (PrimeCell UART, ARM DDI 0183): pure register logic, no locking, no
 * allocation. The owner serialises all calls on one instance (MMIO exits and console input may
 * come from different pCPUs) and wires the callbacks to its console and interrupt controller.
 * Semantics and simplifications: docs/vpl011.md. */
#ifndef HV_VPL011_H
#define HV_VPL011_H

#include <lib/types.h>

struct vpl011_host {
    void (*tx)(void *ctx, char c);          /* the guest transmitted a byte */
    void (*set_irq)(void *ctx, bool level); /* level of the UART's interrupt line; call only on change */
    void *ctx;
};

#define VPL011_FIFO 32     /* RX FIFO depth with LCR_H.FEN set (1 without) */
#define VPL011_SIZE 0x1000 /* the register page */

/* Register offsets. */
#define VPL011_DR 0x000
#define VPL011_RSR 0x004 /* read: RSR, write: ECR */
#define VPL011_FR 0x018
#define VPL011_ILPR 0x020
#define VPL011_IBRD 0x024
#define VPL011_FBRD 0x028
#define VPL011_LCR_H 0x02c
#define VPL011_CR 0x030
#define VPL011_IFLS 0x034
#define VPL011_IMSC 0x038
#define VPL011_RIS 0x03c
#define VPL011_MIS 0x040
#define VPL011_ICR 0x044
#define VPL011_DMACR 0x048
#define VPL011_PERIPHID0 0xfe0 /* PeriphID0..3 at 0xfe0..0xfec, PCellID0..3 at 0xff0..0xffc */
#define VPL011_PCELLID0 0xff0

/* DR (read) error bits and RSR/ECR bits (RSR has them at bits 3:0). */
#define VPL011_DR_FE (1u << 8)
#define VPL011_DR_PE (1u << 9)
#define VPL011_DR_BE (1u << 10)
#define VPL011_DR_OE (1u << 11)
#define VPL011_RSR_FE (1u << 0)
#define VPL011_RSR_PE (1u << 1)
#define VPL011_RSR_BE (1u << 2)
#define VPL011_RSR_OE (1u << 3)

/* FR */
#define VPL011_FR_CTS (1u << 0)
#define VPL011_FR_DSR (1u << 1)
#define VPL011_FR_DCD (1u << 2)
#define VPL011_FR_BUSY (1u << 3)
#define VPL011_FR_RXFE (1u << 4)
#define VPL011_FR_TXFF (1u << 5)
#define VPL011_FR_RXFF (1u << 6)
#define VPL011_FR_TXFE (1u << 7)
#define VPL011_FR_RI (1u << 8)

/* LCR_H */
#define VPL011_LCRH_BRK (1u << 0)
#define VPL011_LCRH_PEN (1u << 1)
#define VPL011_LCRH_EPS (1u << 2)
#define VPL011_LCRH_STP2 (1u << 3)
#define VPL011_LCRH_FEN (1u << 4)
#define VPL011_LCRH_WLEN_8 (3u << 5)
#define VPL011_LCRH_SPS (1u << 7)

/* CR */
#define VPL011_CR_UARTEN (1u << 0)
#define VPL011_CR_SIREN (1u << 1)
#define VPL011_CR_SIRLP (1u << 2)
#define VPL011_CR_LBE (1u << 7)
#define VPL011_CR_TXE (1u << 8)
#define VPL011_CR_RXE (1u << 9)
#define VPL011_CR_DTR (1u << 10)
#define VPL011_CR_RTS (1u << 11)
#define VPL011_CR_OUT1 (1u << 12)
#define VPL011_CR_OUT2 (1u << 13)
#define VPL011_CR_RTSEN (1u << 14)
#define VPL011_CR_CTSEN (1u << 15)

/* IFLS: TX level in bits 2:0, RX level in bits 5:3; 0..4 = 1/8, 1/4, 1/2, 3/4, 7/8. */
#define VPL011_IFLS_TX(x) ((u32)(x)&7u)
#define VPL011_IFLS_RX(x) (((u32)(x)&7u) << 3)

/* Interrupt bits of IMSC, RIS, MIS and ICR. */
#define VPL011_INT_RIM (1u << 0)
#define VPL011_INT_CTSM (1u << 1)
#define VPL011_INT_DCDM (1u << 2)
#define VPL011_INT_DSRM (1u << 3)
#define VPL011_INT_RX (1u << 4)
#define VPL011_INT_TX (1u << 5)
#define VPL011_INT_RT (1u << 6)
#define VPL011_INT_FE (1u << 7)
#define VPL011_INT_PE (1u << 8)
#define VPL011_INT_BE (1u << 9)
#define VPL011_INT_OE (1u << 10)
#define VPL011_INT_ALL 0x7ffu

struct vpl011 {
    struct vpl011_host host; /* copied at init */
    u8 rx_fifo[VPL011_FIFO]; /* ring of received bytes */
    u8 rx_head;              /* index of the oldest byte */
    u8 rx_count;             /* bytes in the ring, <= VPL011_FIFO */
    u8 rsr;                  /* receive status (only OE is ever set: loopback overrun) */
    u8 ilpr;
    u16 ibrd;
    u8 fbrd;
    u8 lcr_h;
    u16 cr;
    u8 ifls;
    u8 dmacr;
    u16 imsc;
    u16 ris_latch;  /* latched raw interrupt bits (TX, OE); RX and RT derive from the FIFO */
    bool irq_level; /* last level reported through host.set_irq */
};

void vpl011_init(struct vpl011 *u, const struct vpl011_host *host);
bool vpl011_read(struct vpl011 *u, u64 offset, u8 width, u64 *value); /* false: access not allowed */
bool vpl011_write(struct vpl011 *u, u64 offset, u8 width, u64 value);
bool vpl011_rx(struct vpl011 *u, char c); /* input byte from the console; false when the RX FIFO is full */
size_t vpl011_rx_space(const struct vpl011 *u);

/* Additions. */
u32 vpl011_ris(const struct vpl011 *u);        /* current raw interrupt status (RIS) */
bool vpl011_irq_level(const struct vpl011 *u); /* current level of the interrupt line */

/* The exit vector's fast path (vconsole_fast_mmio). False: not served, nothing changed.
 * vpl011_fast_read needs no lock: it answers only FR, which only reads the state.
 * vpl011_fast_write, under the console's lock, takes only a DR write that changes no interrupt
 * line and is not looped back, and a CR write that leaves RXE and LBE as they are. */
bool vpl011_fast_read(const struct vpl011 *u, u64 offset, u8 width, u64 *value);
bool vpl011_fast_write(struct vpl011 *u, u64 offset, u8 width, u64 value);

#endif
