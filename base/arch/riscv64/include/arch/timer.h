/* The RISC-V time counter (rdtime), for base/core/time.c; its frequency is the DTB's
 * /cpus/timebase-frequency, read at boot (arch_boot_init). */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <arch/csr.h>

extern u64 riscv_timebase_hz;
extern bool riscv_has_sstc; /* the supervisor timer compare register (Sstc) exists */

static inline u64 arch_timer_ticks(void) { return csr_read(time); }
static inline u64 arch_timer_freq(void) { return riscv_timebase_hz; }

#endif
