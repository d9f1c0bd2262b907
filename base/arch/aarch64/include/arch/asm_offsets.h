/* Structure offsets shared between C and assembly; checked by _Static_assert in C. */
#ifndef ARCH_ASM_OFFSETS_H
#define ARCH_ASM_OFFSETS_H

#define MMU_PARAMS_MAIR 0
#define MMU_PARAMS_TCR 8
#define MMU_PARAMS_TTBR 16
#define MMU_PARAMS_SCTLR 24

#define PERCPU_SIZE 24
#define CPU_STACK_SIZE_ASM (32 * 1024)

/* struct trap_frame (base/arch/aarch64/trap.c): x0..x30, then elr, spsr, esr, far. */
#define TRAP_FRAME_SIZE (36 * 8)

#endif
