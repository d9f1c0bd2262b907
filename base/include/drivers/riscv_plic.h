/* RISC-V interrupts: the hart-local ones (supervisor software, timer, external) and the PLIC
 * behind the external one. It implements <base/irq.h> with this numbering:
 *   0..15                IPIs (IRQ_IPI_*), carried by the supervisor software interrupt (SBI IPI)
 *   RISCV_IRQ_TIMER      the supervisor timer interrupt (per hart)
 *   RISCV_IRQ_SGEI       the supervisor guest external interrupt (per hart, AIA: hgeip & hgeie;
 *                        its handler must clear the hgeie bits it served, or it stays pending)
 *   RISCV_IRQ_PLIC + n   PLIC source n (1..1023, as many as the PLIC has) */
#ifndef DRIVERS_RISCV_PLIC_H
#define DRIVERS_RISCV_PLIC_H

#include <base/irq.h>

#define RISCV_IRQ_IPI_COUNT 16
#define RISCV_IRQ_TIMER 16
#define RISCV_IRQ_SGEI 17
#define RISCV_IRQ_PLIC 32
_Static_assert(IRQ_IPI_COUNT <= RISCV_IRQ_IPI_COUNT, "IPIs are software-interrupt messages");

/* A PLIC source's handler may keep its claim open: called from the handler, irq_dispatch leaves
 * the source without its completion, and the PLIC's gateway forwards no new request from it
 * until plic_complete (from any CPU). A source kept so needs no masking while something else
 * (a guest) serves the device. */
void plic_defer_completion(void);
void plic_complete(irq_t irq);

#endif
