/* System register access and barriers for aarch64. */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <lib/types.h>

#define read_sysreg(reg)                                                                                   \
    ({                                                                                                     \
        u64 __v;                                                                                           \
        __asm__ volatile("mrs %0, " #reg : "=r"(__v));                                                     \
        __v;                                                                                               \
    })
#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" ::"r"((u64)(v)) : "memory")

/* GIC system registers by encoding: clang 14's integrated assembler names some only by S3_... form. */
#define read_sysreg_s(enc)                                                                                 \
    ({                                                                                                     \
        u64 __v;                                                                                           \
        __asm__ volatile("mrs %0, " enc : "=r"(__v));                                                      \
        __v;                                                                                               \
    })
#define write_sysreg_s(enc, v) __asm__ volatile("msr " enc ", %0" ::"r"((u64)(v)) : "memory")

#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define dmb(opt) __asm__ volatile("dmb " #opt ::: "memory")
#define wfi() __asm__ volatile("wfi" ::: "memory")
#define wfe() __asm__ volatile("wfe" ::: "memory")
#define sev() __asm__ volatile("sev" ::: "memory")

static inline void local_irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void local_irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* MPIDR affinity fields only (Aff3..Aff0); bit 31 (RES1) and MT/U bits stripped. */
#define MPIDR_AFF_MASK 0xff00ffffffull

/* ESR_EL2 */
#define ESR_EC_SHIFT 26
#define ESR_EC(esr) (((esr) >> ESR_EC_SHIFT) & 0x3f)
#define ESR_IL (1u << 25)
#define ESR_ISS(esr) ((esr)&0x1ffffff)

#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP 0x07
#define EC_ILLEGAL 0x0e
#define EC_SVC64 0x15
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25
#define EC_SP_ALIGN 0x26
#define EC_SERROR 0x2f
#define EC_BRK64 0x3c

#endif
