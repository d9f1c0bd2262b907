/* The Supervisor Binary Interface (RISC-V SBI 2.0) calls the base makes to its firmware (the
 * numbers are boot.S's too). */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_HSM 0x48534D
#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_STOP 1
#define SBI_HSM_HART_GET_STATUS 2
#define SBI_HSM_STARTED 0
#define SBI_HSM_STOP_PENDING 3
#define SBI_EXT_SRST 0x53525354
#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_COLD_REBOOT 1

#ifndef __ASSEMBLER__
#include <lib/types.h>

struct sbiret {
    long error;
    long value;
};

struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2);
void sbi_set_timer(u64 stime);
void sbi_send_ipi(u64 hart_mask, u64 hart_mask_base);
#endif

#endif
