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

/* start.S: the real-mode trampoline and its parameters. */
extern char ap_trampoline[], ap_trampoline_end[];
volatile u64 ap_stack, ap_context;
volatile u32 ap_arrived;

#define AP_TRAMPOLINE 0x8000ul
#define AP_STACK 16384
#define AP_MAX 16
#define LAPIC 0xfee00000ul
static u8 ap_stacks[AP_MAX][AP_STACK] __attribute__((aligned(16)));

static void lapic_icr(u32 dest, u32 lo)
{
    *(volatile u32 *)(LAPIC + 0x310) = dest << 24;
    *(volatile u32 *)(LAPIC + 0x300) = lo;
}

/* INIT, then a startup IPI at the trampoline, as a PC's firmware starts a CPU (the delays the
 * MP specification asks for between them are not needed under cvisor). Waits up to 100 ms for
 * the vCPU to arrive; 0, or -1 if it did not. */
long guest_cpu_on(u64 hwid, u64 context)
{
    if (hwid >= AP_MAX)
        return -1;
    u8 *dst = (u8 *)AP_TRAMPOLINE;
    for (const char *s = ap_trampoline; s < ap_trampoline_end; s++)
        *dst++ = (u8)*s;
    ap_stack = (u64)(unsigned long)&ap_stacks[hwid][AP_STACK];
    ap_context = context;
    ap_arrived = 0;
    lapic_icr((u32)hwid, 0x4500);                           /* INIT, level assert */
    lapic_icr((u32)hwid, 0x0600 | (AP_TRAMPOLINE >> 12));   /* startup */
    u64 end = guest_counter() + guest_counter_freq() / 10;
    while (!ap_arrived)
        if (guest_counter() > end)
            return -1;
    return 0;
}

/* A PC has no firmware call that says whether a CPU is on. */
long guest_cpu_status(u64 hwid) { return (void)hwid, -1; }
