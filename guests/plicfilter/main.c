/* riscv64 test guest standing in for NimbOS under the original's riscv64 NimbOS config
 * (configs/vms/nimbos-riscv64-qemu-smp1.toml): linked at its 0x9020_0000, it drives the host's
 * devices the config passes through, as NimbOS would: the UART at 0x1000_0000 (the hypervisor's
 * console, so an emulated NS16550) and the PLIC at 0x0c00_0000 (the hypervisor's, so the VM's
 * vPLIC, filtered). It writes every PLIC source's priority and every enable bit of its S-mode
 * context and reads back which exist (only its UART's source 10 should), then takes its UART's
 * receive interrupt through the PLIC, and powers off. */
#include "guest.h"

#define UART 0x10000000ul
#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01u
#define LSR_THRE 0x20u
#define MCR_OUT2 0x08u
#define UART_SRC 10u
#define PLIC 0x0c000000ul
#define PLIC_SOURCES 96u
#define PLIC_PENDING (PLIC + 0x1000)
#define PLIC_ENABLE_S0 (PLIC + 0x2000 + 0x80) /* hart 0's S-mode context */
#define PLIC_THRESHOLD_S0 (PLIC + 0x201000)
#define PLIC_CLAIM_S0 (PLIC + 0x201004)
#define SIE_SEIE (1ul << 9)

static volatile u32 *reg(unsigned long a) { return (volatile u32 *)a; }
static volatile u8 *uart(unsigned off) { return (volatile u8 *)(UART + off); }

static void uart_puts(const char *s)
{
    for (; *s; s++) {
        while (!(*uart(UART_LSR) & LSR_THRE))
            ;
        *uart(UART_THR) = (u8)*s;
    }
}


void guest_main(u64 dtb)
{
    (void)dtb;
    uart_puts("plicfilter: running at 0x90200000, writing straight to its NS16550\n");
    /* Every source at the highest priority, every enable bit: what exists keeps them. */
    for (u32 src = 1; src < PLIC_SOURCES; src++)
        *reg(PLIC + 4 * src) = 7;
    for (u32 w = 0; w < PLIC_SOURCES / 32; w++)
        *reg(PLIC_ENABLE_S0 + 4 * w) = 0xffffffffu;
    u32 kept = 0;
    for (u32 src = 1; src < PLIC_SOURCES; src++)
        if (*reg(PLIC + 4 * src)) {
            kept++;
            gprintf("plicfilter: source %u kept priority %u\n", src, *reg(PLIC + 4 * src));
        }
    gprintf("plicfilter: %u of %u sources exist; enable words %#x %#x %#x; pending %#x %#x %#x\n", kept,
            PLIC_SOURCES - 1, *reg(PLIC_ENABLE_S0), *reg(PLIC_ENABLE_S0 + 4), *reg(PLIC_ENABLE_S0 + 8),
            *reg(PLIC_PENDING), *reg(PLIC_PENDING + 4), *reg(PLIC_PENDING + 8));
    /* Its own source: the UART's receive interrupt. */
    *reg(PLIC_THRESHOLD_S0) = 0;
    *uart(UART_IER) = 1; /* received data available */
    *uart(UART_MCR) = MCR_OUT2;
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE));
    gprintf("plicfilter: waiting for input\n");
    unsigned long cause = guest_wait_interrupt();
    u32 src = *reg(PLIC_CLAIM_S0);
    char got[16];
    unsigned n = 0;
    while ((*uart(UART_LSR) & LSR_DR) && n < sizeof(got) - 1) {
        char c = (char)*uart(UART_RBR);
        if (c >= ' ' && c <= '~')
            got[n++] = c;
    }
    got[n] = 0;
    *reg(PLIC_CLAIM_S0) = src;
    gprintf("plicfilter: interrupt scause %#lx, claimed source %u, read '%s'\n", cause, src, got);
    guest_system_off();
}
