/* RISC-V control and status registers of the supervisor (HS-mode) the base uses. */
#ifndef ARCH_CSR_H
#define ARCH_CSR_H

#include <lib/types.h>

#define csr_read(csr)                                                                                      \
    ({                                                                                                     \
        u64 __v;                                                                                           \
        __asm__ volatile("csrr %0, " #csr : "=r"(__v)::"memory");                                          \
        __v;                                                                                               \
    })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"rK"((u64)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"rK"((u64)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"rK"((u64)(v)) : "memory")

#define CSR_STIMECMP 0x14d /* Sstc; by number: older assemblers do not know the name */

#define SSTATUS_SIE (1ull << 1)
#define SSTATUS_SPIE (1ull << 5)
#define SSTATUS_SPP (1ull << 8)

/* sie / sip bits (also the interrupt cause numbers) */
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define IRQ_S_GEXT 12 /* H extension: a guest interrupt file (hgeip & hgeie), in hip/hie */
#define SIE_SSIE (1ull << IRQ_S_SOFT)
#define SIE_STIE (1ull << IRQ_S_TIMER)
#define SIE_SEIE (1ull << IRQ_S_EXT)
#define SIE_SGEIE (1ull << IRQ_S_GEXT) /* hie's bit, not sie's */

#define SCAUSE_INTERRUPT (1ull << 63)

#define SATP_MODE_SV39 (8ull << 60)

#endif
