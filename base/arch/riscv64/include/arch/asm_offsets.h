/* Structure offsets shared between C and assembly; checked by _Static_assert in C. */
#ifndef ARCH_ASM_OFFSETS_H
#define ARCH_ASM_OFFSETS_H

#define MMU_PARAMS_SATP 0

#define PERCPU_SIZE 24
#define PERCPU_ID 0
#define PERCPU_HWID 8
#define MAX_CPUS_ASM 8

/* How a secondary hart came in (boot.S -> riscv_secondary_entry_check). */
#define SECONDARY_VIA_HSM 0
#define SECONDARY_VIA_IMAGE_ENTRY 1
#define CPU_STACK_SIZE_ASM (32 * 1024)

/* struct trap_frame (base/arch/riscv64/trap.c): x1..x31, then sepc, sstatus, scause, stval. */
#define TRAP_FRAME_SIZE (36 * 8)
#define TF_SEPC (31 * 8)
#define TF_SSTATUS (32 * 8)
#define TF_SCAUSE (33 * 8)
#define TF_STVAL (34 * 8)

#endif
