/* riscv64 primitives of the test guests' runtime (VS-mode): SBI for cvisor's hypercalls, power
 * and harts, the time CSR as the counter. There is no UART: the console is SBI's. */
#include "guest.h"

static struct sbiret sbi5(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
    register u64 r0 __asm__("a0") = a0;
    register u64 r1 __asm__("a1") = a1;
    register u64 r2 __asm__("a2") = a2;
    register u64 r3 __asm__("a3") = a3;
    register u64 r4 __asm__("a4") = a4;
    register u64 r6 __asm__("a6") = fid;
    register u64 r7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7) : "memory");
    return (struct sbiret){(long)r0, (long)r1};
}

struct sbiret sbi(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2) { return sbi5(ext, fid, a0, a1, a2, 0, 0); }

long hypercall(unsigned long nr, unsigned long a1, unsigned long a2)
{
    return sbi(SBI_EXT_CVISOR, nr, a1, a2, 0).value;
}

long hypercall4(unsigned long nr, u64 a1, u64 a2, u64 a3, u64 a4)
{
    return sbi5(SBI_EXT_CVISOR, nr, a1, a2, a3, a4, 0).value;
}

/* There is no other calling form on riscv64: the number is the function id of cvisor's SBI
 * extension, as for hypercall4. */
long hypercall_raw(u64 x0, u64 a1, u64 a2, u64 a3, u64 a4) { return hypercall4(x0, a1, a2, a3, a4); }

/* The legacy console call (the guests drive no UART of their own on riscv64). */
void guest_uart_putc(char c) { sbi(SBI_EXT_LEGACY_PUTCHAR, 0, (u8)c, 0, 0); }

#define SIE_STIE (1ul << 5)

/* ms of idle in WFI, woken by an SBI TIME timer, not spinning: a vCPU waiting for input gives
 * its pCPU to the VMs it shares it with (it spun 2 ms between polls before, which took half of
 * a pCPU from a Linux beside it). Interrupts stay off globally (sstatus.SIE): WFI ends on the
 * pending enabled timer without a trap, so no trap vector is needed. */
static void idle_ms(u64 ms)
{
    u64 end = guest_counter() + guest_counter_freq() * ms / 1000;
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
    sbi(SBI_EXT_TIME, 0, end, 0, 0);
    while (guest_counter() < end)
        __asm__ volatile("wfi");
    sbi(SBI_EXT_TIME, 0, ~0ull, 0, 0);
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_STIE));
}

/* Input from what the VM's console UART received, polled through SBI: byte 0, 2, 4... with
 * DBCN's console read (the buffer's guest-physical address is its address: the MMU is off),
 * byte 1, 3, 5... with the legacy console_getchar, so a line needs both to arrive. */
char guest_uart_getc(void)
{
    static volatile char buf;
    static unsigned count;
    bool legacy = count++ & 1;
    for (;;) {
        if (legacy) {
            long c = sbi(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0).error; /* a0: the byte, or -1 */
            if (c >= 0)
                return (char)c;
        } else {
            struct sbiret r = sbi(SBI_EXT_DBCN, SBI_DBCN_READ, 1, (u64)(unsigned long)&buf, 0);
            if (!r.error && r.value == 1)
                return buf;
        }
        idle_ms(2);
    }
}

u64 guest_counter(void)
{
    u64 v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

u64 guest_counter_freq(void) { return GUEST_TIMEBASE_HZ; }

void guest_system_off(void)
{
    sbi(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void guest_cpu_off(void)
{
    sbi(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void guest_exit_off(void) { guest_system_off(); }

extern char secondary_start[]; /* start.S */
long guest_cpu_on(u64 hwid, u64 context)
{
    return sbi(SBI_EXT_HSM, SBI_HSM_HART_START, hwid, (u64)(unsigned long)secondary_start, context).error;
}

long guest_cpu_status(u64 hwid)
{
    struct sbiret r = sbi(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hwid, 0, 0);
    return r.error ? r.error : r.value;
}

unsigned long guest_wait_interrupt(void)
{
    unsigned long cause;
    __asm__ volatile("la t0, 2f\n"
                     "csrw stvec, t0\n"
                     "csrsi sstatus, 2\n"
                     "1: wfi\n"
                     "j 1b\n"
                     ".balign 4\n"
                     "2: csrr %0, scause\n"
                     "csrci sstatus, 2\n"
                     : "=r"(cause)::"t0", "memory");
    return cause;
}
