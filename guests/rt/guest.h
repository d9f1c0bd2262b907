/* Runtime for cvisor's bare-metal test guests: hypercalls, PSCI, PL011, printf. */
#ifndef GUEST_H
#define GUEST_H

#include <hv/hypercall.h>
#include <lib/fmt.h>
#include <lib/types.h>

long hypercall(unsigned long nr, unsigned long a1, unsigned long a2);
long psci(u64 fid, u64 a1, u64 a2, u64 a3);

/* printf through the console hypercall (one line per call is kept together by cvisor). */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* printf straight to the PL011 at 0x0900_0000 (needs it passed through). */
void uart_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

u64 guest_counter(void);      /* CNTVCT_EL0 */
u64 guest_counter_freq(void); /* CNTFRQ_EL0 */
void guest_delay_ms(u64 ms);

void guest_system_off(void) __attribute__((noreturn));
void guest_cpu_off(void) __attribute__((noreturn));
void guest_exit_off(void) __attribute__((noreturn));
long guest_cpu_on(u64 mpidr, u64 context);

/* Provided by each guest. */
void guest_main(u64 dtb);
void guest_secondary_main(u64 vcpu);

#define PSCI_VERSION_FID 0x84000000u
#define PSCI_CPU_OFF_FID 0x84000002u
#define PSCI_CPU_ON_FID 0xC4000003u
#define PSCI_AFFINITY_INFO_FID 0xC4000004u
#define PSCI_SYSTEM_OFF_FID 0x84000008u
#define PSCI_SYSTEM_RESET_FID 0x84000009u
#define PSCI_FEATURES_FID 0x8400000Au

#endif
