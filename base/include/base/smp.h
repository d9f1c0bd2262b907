/* The other CPUs: starting them at boot, and stopping them when the machine goes down. */
#ifndef BASE_SMP_H
#define BASE_SMP_H

#include <lib/types.h>

/* Architecture / firmware hook: starts logical CPU cpu (hardware id cpu_hwid(cpu)) at the base's
 * secondary entry, which then calls base_secondary_main(cpu). Returns 0, or the firmware's
 * error code (non-zero). PSCI CPU_ON on aarch64, SBI HSM on riscv, INIT-SIPI on x86. */
int smp_start_cpu(u32 cpu);

/* Generic (base/core/smp.c). */
void smp_start_secondaries(void); /* boot CPU: every CPU of the DTB, waiting up to 1 s for each */
void smp_cpu_init(void);          /* every CPU: takes IRQ_IPI_STOP */
void smp_stop_others(void);       /* parks every other online CPU (panic); best effort */

#endif
