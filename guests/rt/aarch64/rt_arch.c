/* aarch64 primitives of the test guests' runtime (EL1): SMCCC over HVC for cvisor's hypercalls
 * and PSCI, the virtual counter, and the PL011 of QEMU's virt board. */
#include "guest.h"

#define HC_FID(nr) (0xC6000000ul | (nr))
#define UART_BASE 0x09000000ul
#define UARTDR 0x00
#define UARTFR 0x18
#define UARTFR_TXFF (1u << 5)
#define UARTFR_RXFE (1u << 4)

static long smccc(u64 x0, u64 x1, u64 x2, u64 x3)
{
    register u64 r0 __asm__("x0") = x0;
    register u64 r1 __asm__("x1") = x1;
    register u64 r2 __asm__("x2") = x2;
    register u64 r3 __asm__("x3") = x3;
    __asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)::"memory");
    return (long)r0;
}

long hypercall(unsigned long nr, unsigned long a1, unsigned long a2) { return smccc(HC_FID(nr), a1, a2, 0); }

long hypercall_raw(u64 x0, u64 a1, u64 a2, u64 a3, u64 a4)
{
    register u64 r0 __asm__("x0") = x0;
    register u64 r1 __asm__("x1") = a1;
    register u64 r2 __asm__("x2") = a2;
    register u64 r3 __asm__("x3") = a3;
    register u64 r4 __asm__("x4") = a4;
    __asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4)::"memory");
    return (long)r0;
}

long hypercall4(unsigned long nr, u64 a1, u64 a2, u64 a3, u64 a4) { return hypercall_raw(HC_FID(nr), a1, a2, a3, a4); }
long psci(u64 fid, u64 a1, u64 a2, u64 a3) { return smccc(fid, a1, a2, a3); }

void guest_uart_putc(char c)
{
    volatile u32 *dr = (volatile u32 *)(UART_BASE + UARTDR), *fr = (volatile u32 *)(UART_BASE + UARTFR);
    while (*fr & UARTFR_TXFF)
        ;
    *dr = (u8)c;
}

char guest_uart_getc(void)
{
    volatile u32 *dr = (volatile u32 *)(UART_BASE + UARTDR), *fr = (volatile u32 *)(UART_BASE + UARTFR);
    while (*fr & UARTFR_RXFE)
        __asm__ volatile("yield");
    return (char)(*dr & 0xff);
}

u64 guest_counter(void)
{
    u64 v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
}

u64 guest_counter_freq(void)
{
    u64 v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

void guest_system_off(void)
{
    psci(PSCI_SYSTEM_OFF_FID, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void guest_cpu_off(void)
{
    psci(PSCI_CPU_OFF_FID, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void guest_exit_off(void) { guest_system_off(); }

extern char secondary_start[]; /* start.S */
long guest_cpu_on(u64 hwid, u64 context)
{
    return psci(PSCI_CPU_ON_FID, hwid, (u64)(unsigned long)secondary_start, context);
}

long guest_cpu_status(u64 hwid) { return psci(PSCI_AFFINITY_INFO_FID, hwid, 0, 0); }
