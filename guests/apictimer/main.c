/* x86_64 test guest of the virtual local APIC (interrupt_mode = "emu"): an IDT with handlers
 * for two vectors; a fixed self-IPI through the ICR; the timer in periodic mode (10 ms at the
 * frequency of cvisor's CPUID leaf 0x40000010 EBX), waited for with HLT; its current count
 * running down; one-shot mode firing once; the TPR holding back a lower-class interrupt until
 * lowered; TSC-deadline mode (CPUID.1:ECX[24], the IA32_TSC_DEADLINE MSR) ticking every 10 ms of
 * the guest's TSC after the guest moved its TSC, and its hostile cases: a deadline of 0 (disarms),
 * in the past (fires at once), near 2^64 (never fires), written in one-shot mode (ignored), and a
 * mode switch (disarms). Every access to the APIC is an MMIO exit decoded in software. */
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
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC 0x10
#define MSR_TSC_DEADLINE 0x6e0

static volatile unsigned ticks, ipis;

static u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return lo | (u64)hi << 32;
}

static void wrmsr(u32 msr, u64 val) { __asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)val), "d"((u32)(val >> 32))); }

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

/* Ticks taken within ms of now with interrupts on: what an armed or disarmed timer delivered. */
static unsigned ticks_within_ms(unsigned ms)
{
    unsigned before = ticks;
    u64 end = guest_counter() + guest_counter_freq() / 1000 * ms;
    __asm__ volatile("sti" ::: "memory");
    while (guest_counter() < end)
        __asm__ volatile("pause");
    __asm__ volatile("cli" ::: "memory");
    return ticks - before;
}

/* Arms a deadline `after` TSC ticks from now, disarms it (writing 0, or switching to one-shot
 * mode and back), and counts the ticks in the 40 ms after: 0 if disarming works. Tried again
 * where the guest's TSC had already reached the deadline when the disarming was done (the vCPU
 * was switched out in between: the tick was then rightly due). */
static unsigned armed_then_disarmed(u64 after, bool by_mode_switch)
{
    for (int tries = 0;; tries++) {
        u64 deadline = guest_counter() + after;
        wrmsr(MSR_TSC_DEADLINE, deadline);
        if (by_mode_switch) {
            wr(REG_LVT_TIMER, VEC_TIMER); /* one-shot */
            wr(REG_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
        } else {
            wrmsr(MSR_TSC_DEADLINE, 0);
        }
        bool in_time = guest_counter() < deadline;
        unsigned n = ticks_within_ms(40);
        if (in_time || tries == 4)
            return n;
    }
}

static void tsc_deadline_mode(u32 cpuid1_ecx)
{
    u64 tsc_hz = guest_counter_freq(), ten_ms = tsc_hz / 100;
    gprintf("apictimer: CPUID TSC-deadline bit %u\n", (cpuid1_ecx >> 24) & 1);
    if (!(cpuid1_ecx & (1u << 24)))
        return; /* (a passed-through local APIC has none under TCG: its MSR would be #GP) */
    ticks_within_ms(1); /* anything still pending from the modes before */
    wrmsr(MSR_TSC_DEADLINE, guest_counter() + ten_ms);
    gprintf("apictimer: TSC deadline write in one-shot mode: reads %#llx, %u tick(s) in 30 ms\n",
            (unsigned long long)rdmsr(MSR_TSC_DEADLINE), ticks_within_ms(30));

    /* The guest moves its TSC far ahead first: the deadlines are in the guest's TSC. */
    wrmsr(MSR_TSC, 1ull << 44);
    wr(REG_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
    wr(REG_TIMER_INIT, 1000); /* ignored in this mode */
    unsigned before = ticks;
    u64 t0 = guest_counter(), late = 0, reads = 0;
    for (unsigned i = 0; i < 10; i++) {
        u64 deadline = t0 + (i + 1) * ten_ms;
        wrmsr(MSR_TSC_DEADLINE, deadline);
        u64 r = rdmsr(MSR_TSC_DEADLINE);
        reads += r == deadline || (r == 0 && guest_counter() >= deadline); /* (0: fired meanwhile) */
        while (ticks == before + i)
            __asm__ volatile("sti; hlt; cli" ::: "memory");
        if (guest_counter() < deadline)
            late = ~0ull; /* fired early: reported below */
        else if (late != ~0ull && guest_counter() - deadline > late)
            late = guest_counter() - deadline;
    }
    u64 ms = (guest_counter() - t0) * 1000 / tsc_hz;
    gprintf("apictimer: 10 TSC-deadline ticks in %llu ms, %s, the MSR read back %llu time(s), 0 after: %s, "
            "initial count reads %u\n", (unsigned long long)ms, late == ~0ull ? "one EARLY" : "none early",
            (unsigned long long)reads, rdmsr(MSR_TSC_DEADLINE) == 0 ? "yes" : "NO", rd(REG_TIMER_INIT));

    gprintf("apictimer: TSC deadline 0 disarms: %u tick(s) in 40 ms\n", armed_then_disarmed(ten_ms, false));
    before = ticks;
    wrmsr(MSR_TSC_DEADLINE, 1);
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    unsigned at_once = ticks - before;
    gprintf("apictimer: TSC deadline in the past: %u tick(s) at once, %u more in 30 ms\n", at_once,
            ticks_within_ms(30));
    wrmsr(MSR_TSC_DEADLINE, ~0ull);
    gprintf("apictimer: TSC deadline 2^64-1: reads %#llx, %u tick(s) in 30 ms\n",
            (unsigned long long)rdmsr(MSR_TSC_DEADLINE), ticks_within_ms(30));
    unsigned n = armed_then_disarmed(ten_ms, true);
    gprintf("apictimer: mode switch disarms: reads %#llx, %u tick(s) in 40 ms\n",
            (unsigned long long)rdmsr(MSR_TSC_DEADLINE), n);
    wr(REG_LVT_TIMER, VEC_TIMER | (1u << 16));
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
    tsc_deadline_mode(f1.ecx);
    gprintf("apictimer: done\n");
    guest_system_off();
}
