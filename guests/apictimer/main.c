/* x86_64 test guest of the virtual local APIC (interrupt_mode = "emu"): an IDT with handlers
 * for two vectors; a fixed self-IPI through the ICR; the timer in periodic mode (10 ms at the
 * frequency of cvisor's CPUID leaf 0x40000010 EBX), waited for with HLT; its current count
 * running down; one-shot mode firing once; the TPR holding back a lower-class interrupt until
 * lowered. Every access to the APIC is an MMIO exit decoded in software. */
#include "guest.h"

#define LAPIC 0xfee00000ul
#define REG_ID 0x20
#define REG_VER 0x30
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0
#define VEC_TIMER 0x40
#define VEC_IPI 0x31 /* class 3: below a TPR of 0x40 */

static volatile unsigned ticks, ipis;

static u32 rd(u32 off) { return *(volatile u32 *)(LAPIC + off); }
static void wr(u32 off, u32 v) { *(volatile u32 *)(LAPIC + off) = v; }

void on_timer(void);
void on_timer(void)
{
    ticks++;
    wr(REG_EOI, 0);
}

void on_ipi(void);
void on_ipi(void)
{
    ipis++;
    wr(REG_EOI, 0);
}

#define ISR_STUB(name, handler)                                                                            \
    __asm__(".text\n.global " #name "\n" #name ":\n"                                                      \
            "push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\npush %r8\npush %r9\npush %r10\npush %r11\n" \
            "call " #handler "\n"                                                                          \
            "pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\niretq\n")
ISR_STUB(isr_timer, on_timer);
ISR_STUB(isr_ipi, on_ipi);
extern char isr_timer[], isr_ipi[];

static u64 idt[256 * 2] __attribute__((aligned(16)));

static void set_gate(unsigned vec, void *fn)
{
    u64 a = (u64)(unsigned long)fn;
    idt[vec * 2] = (a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((a >> 16) & 0xffff) << 48;
    idt[vec * 2 + 1] = a >> 32;
}

static void wait_ticks(unsigned n)
{
    while (ticks < n)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } idtr = {sizeof(idt) - 1, (u64)(unsigned long)idt};
    set_gate(VEC_TIMER, isr_timer);
    set_gate(VEC_IPI, isr_ipi);
    __asm__ volatile("lidt %0" ::"m"(idtr));
    struct guest_cpuid f1 = guest_cpuid(1, 0), hv = guest_cpuid(0x40000010, 0);
    u32 khz = hv.ebx;
    gprintf("apictimer: CPUID APIC bit %u, APIC id %u, version %#x, timer %u kHz\n", (f1.edx >> 9) & 1,
            rd(REG_ID) >> 24, rd(REG_VER), khz);
    wr(REG_SVR, 0x1ff); /* enabled, spurious vector 0xff */
    wr(REG_TPR, 0);

    wr(REG_ICR_HI, 0);
    wr(REG_ICR_LO, VEC_IPI | (1u << 18)); /* fixed, to self */
    __asm__ volatile("sti; nop; cli" ::: "memory");
    gprintf("apictimer: self-IPI taken %u time(s)\n", ipis);

    wr(REG_TIMER_DIV, 0x3); /* divide by 16 */
    u32 count = khz * 10 / 16; /* 10 ms */
    wr(REG_LVT_TIMER, VEC_TIMER | (1u << 17)); /* periodic */
    u64 t0 = guest_counter();
    wr(REG_TIMER_INIT, count);
    u32 c1 = rd(REG_TIMER_CUR);
    guest_delay_ms(2);
    u32 c2 = rd(REG_TIMER_CUR);
    wait_ticks(20);
    u64 ms = (guest_counter() - t0) * 1000 / guest_counter_freq();
    wr(REG_LVT_TIMER, VEC_TIMER | (1u << 16)); /* masked */
    gprintf("apictimer: current count runs down: %s (initial %u)\n", c1 <= count && c2 < c1 ? "yes" : "NO", count);
    gprintf("apictimer: 20 periodic ticks in %llu ms\n", (unsigned long long)ms);

    /* Stop the count first: a running count that reaches zero after the mode changes fires in
     * the new mode too, as on hardware. A periodic tick accepted before the mask (the vCPU may
     * have been switched out after the 20th) is still pending: take it before counting. */
    wr(REG_TIMER_INIT, 0);
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    u32 before = ticks;
    wr(REG_LVT_TIMER, VEC_TIMER); /* one-shot */
    wr(REG_TIMER_INIT, count / 2);
    wait_ticks(before + 1);
    guest_delay_ms(40);
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    gprintf("apictimer: one-shot fired, %u tick(s) after it was armed\n", ticks - before);

    wr(REG_TPR, 0x40);
    wr(REG_ICR_LO, VEC_IPI | (1u << 18));
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    unsigned held = ipis;
    wr(REG_TPR, 0);
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    gprintf("apictimer: with TPR 0x40 vector %#x waits (%u taken), then is taken (%u)\n", VEC_IPI, held, ipis);
    gprintf("apictimer: done\n");
    guest_system_off();
}
