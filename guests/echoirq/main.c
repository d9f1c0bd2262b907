/* x86_64 test guest of device interrupts (interrupt_mode = "emu"): like echo, but its 16550's
 * receive interrupt (IRQ 4) is routed by its virtual I/O APIC to vector 0x24 of its virtual local
 * APIC, and it waits for input in HLT. The handler drains the receive FIFO into a ring. */
#include "guest.h"

#define LAPIC 0xfee00000ul
#define IOAPIC 0xfec00000ul
#define COM1 0x3f8
#define VEC_UART 0x24

static volatile char ring[256];
static volatile unsigned head, tail, irqs;

void on_uart(void);
void on_uart(void)
{
    irqs++;
    while (guest_inb(COM1 + 5) & 1)
        ring[tail++ % sizeof(ring)] = (char)guest_inb(COM1);
    *(volatile u32 *)(LAPIC + 0xb0) = 0;
}
__asm__(".text\n.global isr_uart\nisr_uart:\n"
        "push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\npush %r8\npush %r9\npush %r10\npush %r11\n"
        "call on_uart\n"
        "pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\niretq\n");
extern char isr_uart[];
static u64 idt[256 * 2] __attribute__((aligned(16)));

static void ioapic_write(u32 reg, u32 v)
{
    *(volatile u32 *)IOAPIC = reg;
    *(volatile u32 *)(IOAPIC + 0x10) = v;
}

static u32 ioapic_read(u32 reg)
{
    *(volatile u32 *)IOAPIC = reg;
    return *(volatile u32 *)(IOAPIC + 0x10);
}

static char getc_irq(void)
{
    for (;;) {
        __asm__ volatile("cli" ::: "memory");
        if (head != tail) {
            char c = ring[head++ % sizeof(ring)];
            __asm__ volatile("sti" ::: "memory");
            return c;
        }
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
    u64 a = (u64)(unsigned long)isr_uart;
    idt[VEC_UART * 2] = (a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((a >> 16) & 0xffff) << 48;
    idt[VEC_UART * 2 + 1] = a >> 32;
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } idtr = {sizeof(idt) - 1, (u64)(unsigned long)idt};
    __asm__ volatile("lidt %0" ::"m"(idtr));
    *(volatile u32 *)(LAPIC + 0xf0) = 0x1ff;
    u32 ver = ioapic_read(1);
    ioapic_write(0x10 + 2 * 4, VEC_UART); /* pin 4: edge, active high, fixed, unmasked */
    ioapic_write(0x11 + 2 * 4, 0);        /* to APIC id 0 */
    guest_outb(COM1 + 1, 1);              /* IER: received data */
    guest_outb(COM1 + 4, 0x08);           /* MCR: OUT2 (the PC's interrupt enable) */
    uart_printf("echoirq: I/O APIC version %#x, %u pins; ready\n", ver & 0xff, ((ver >> 16) & 0xff) + 1);
    char line[64];
    for (;;) {
        size_t n = 0;
        uart_printf("echoirq> ");
        for (;;) {
            char c = getc_irq();
            if (c == '\r' || c == '\n')
                break;
            if (n < sizeof(line) - 1) {
                line[n++] = c;
                uart_printf("%c", c);
            }
        }
        line[n] = '\0';
        uart_printf("\n");
        if (n == 4 && line[0] == 'e' && line[1] == 'x' && line[2] == 'i' && line[3] == 't')
            break;
        for (size_t i = 0; i < n; i++)
            if (line[i] >= 'a' && line[i] <= 'z')
                line[i] = (char)(line[i] - 'a' + 'A');
        uart_printf("%s\n", line);
    }
    gprintf("echoirq: %u receive interrupts\n", irqs);
    guest_system_off();
}
