/* aarch64 part of the shared-memory test guest: the VM's vGICv3, driven through its distributor
 * and the CPU interface's system registers (group 1, routed to vCPU 0). */
#include "guest.h"
#include <drivers/gic_regs.h>

#define GICD_BASE 0x08000000ul
#define GICR_BASE 0x080a0000ul
#define SPURIOUS 1023u

#define READ_SYSREG(name)                                                                          \
    ({                                                                                             \
        u64 v_;                                                                                    \
        __asm__ volatile("mrs %0, " name : "=r"(v_));                                              \
        v_;                                                                                        \
    })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " name ", %0\n isb" ::"r"((u64)(v)) : "memory")

static inline void wr32(u64 a, u32 v) { *(volatile u32 *)a = v; }

void irq_enable(u32 irq)
{
    *(volatile u8 *)(GICD_BASE + GICD_IPRIORITYR + irq) = 0xa0;
    *(volatile u64 *)(GICD_BASE + GICD_IROUTER + 8 * irq) = 0; /* to vCPU 0 */
    wr32(GICD_BASE + GICD_ISENABLER + irq / 32 * 4, 1u << (irq % 32));
}

void irq_init(u32 irq)
{
    wr32(GICD_BASE + GICD_CTLR, 0x12); /* ARE, EnableGrp1 */
    wr32(GICR_BASE + GICR_WAKER, 0);
    irq_enable(irq);
    WRITE_SYSREG("s3_0_c12_c12_5", READ_SYSREG("s3_0_c12_c12_5") | 1); /* ICC_SRE_EL1 */
    WRITE_SYSREG("s3_0_c4_c6_0", 0xff);                               /* ICC_PMR_EL1 */
    WRITE_SYSREG("s3_0_c12_c12_7", 1);                                /* ICC_IGRPEN1_EL1 */
}

u32 irq_next(void)
{
    for (;;) {
        u32 iar = (u32)READ_SYSREG("s3_0_c12_c12_0") & 0xffffff; /* ICC_IAR1_EL1 */
        if (iar == SPURIOUS) {
            __asm__ volatile("wfi" ::: "memory");
            continue;
        }
        WRITE_SYSREG("s3_0_c12_c12_1", iar); /* ICC_EOIR1_EL1 */
        return iar;
    }
}
