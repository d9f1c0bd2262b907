/* x86_64 primitives of the test guests' runtime: cvisor's hypercalls by VMMCALL (RAX = number,
 * RDI, RSI = arguments, result in RAX), the TSC as the counter (its frequency from cvisor's CPUID
 * leaf 0x40000010), COM1, and power-off through the ACPI PM1a control port as on QEMU's q35. */
#include "guest.h"

#define COM1 0x3f8
#define LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define PM1A_CNT 0x604
#define SLP_EN_S5 0x2000

long hypercall(unsigned long nr, unsigned long a1, unsigned long a2)
{
    long r;
    __asm__ volatile("vmmcall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2) : "memory");
    return r;
}

void guest_uart_putc(char c)
{
    while (!(guest_inb(COM1 + LSR) & LSR_THRE))
        ;
    guest_outb(COM1, (u8)c);
}

char guest_uart_getc(void)
{
    while (!(guest_inb(COM1 + LSR) & LSR_DR))
        __asm__ volatile("pause");
    return (char)guest_inb(COM1);
}

u64 guest_counter(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | (u64)hi << 32;
}

u64 guest_counter_freq(void)
{
    struct guest_cpuid r = guest_cpuid(0x40000000, 0);
    if (r.eax >= 0x40000010)
        return (u64)guest_cpuid(0x40000010, 0).eax * 1000;
    return 1000000000ull; /* no hypervisor leaf: a guess */
}

void guest_system_off(void)
{
    guest_outw(PM1A_CNT, SLP_EN_S5);
    hypercall(HC_SHUTDOWN, 0, 0); /* not reached under cvisor */
    for (;;)
        __asm__ volatile("cli; hlt");
}

void guest_cpu_off(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void guest_exit_off(void) { guest_system_off(); }

long guest_cpu_on(u64 hwid, u64 context)
{
    (void)hwid, (void)context;
    return -1; /* INIT/SIPI needs a virtual local APIC: not yet */
}

/* A PC has no firmware call that says whether a CPU is on. */
long guest_cpu_status(u64 hwid) { return (void)hwid, -1; }
