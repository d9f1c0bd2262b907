/* Runtime of cvisor's bare-metal test guests: the generic half (printf through the console
 * hypercall or the board's UART, delays) over each architecture's primitives
 * (guests/rt/<arch>/: entry code, hypercall and firmware calls, the counter, the UART).
 * <guest_arch.h> (guests/rt/<arch>/guest_arch.h) adds what only that architecture has. */
#ifndef GUEST_H
#define GUEST_H

#include <hv/hypercall.h>
#include <lib/fmt.h>
#include <lib/types.h>

/* ---- per architecture (guests/rt/<arch>/rt_arch.c) ---- */

long hypercall(unsigned long nr, unsigned long a1, unsigned long a2);
long hypercall4(unsigned long nr, u64 a1, u64 a2, u64 a3, u64 a4);
/* The call with the first register as given (aarch64: x0), e.g. axvisor's bare code. */
long hypercall_raw(u64 x0, u64 a1, u64 a2, u64 a3, u64 a4);
u64 guest_counter(void);      /* the guest-visible free-running counter */
u64 guest_counter_freq(void); /* its ticks per second */
void guest_system_off(void) __attribute__((noreturn)); /* firmware: power the VM off */
void guest_cpu_off(void) __attribute__((noreturn));    /* firmware: stop this vCPU */
void guest_exit_off(void) __attribute__((noreturn));   /* where guest_main returns to */
/* Starts vCPU `hwid` at the runtime's secondary entry, which calls guest_secondary_main(context). */
long guest_cpu_on(u64 hwid, u64 context);
/* The firmware's status of vCPU `hwid` (GUEST_CPU_STATUS_OFF when it is off; <guest_arch.h>
 * names the call: GUEST_CPU_STATUS_NAME, and the start call: GUEST_CPU_ON_NAME). */
long guest_cpu_status(u64 hwid);
void guest_uart_putc(char c); /* the board's UART (it must be passed through or emulated) */
char guest_uart_getc(void);   /* ... waits for an input byte */

/* ---- generic (guests/rt/rt.c) ---- */

/* printf through the console hypercall (one line per call is kept together by cvisor). */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* printf straight to the board's UART (guest_uart_putc). */
void uart_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_delay_ms(u64 ms);

/* Provided by each guest. */
void guest_main(u64 dtb);
void guest_secondary_main(u64 vcpu);

#include <guest_arch.h>

#endif
