/* x86_64 SMP test guest (2 vCPUs, interrupt_mode = "emu"): vCPU 0 starts vCPU 1 by INIT and a
 * startup IPI into a real-mode trampoline (guest_cpu_on), meets it through shared memory, and
 * each sends the other a fixed IPI through its virtual local APIC, taken by its interrupt
 * handler while it waits in HLT. */
#include "guest.h"

#define LAPIC 0xfee00000ul
#define VEC_IPI 0x41

static volatile unsigned ipis[2];
static volatile u64 arrived, tsc_before, tsc_arrived;

static u32 lapic_id(void) { return *(volatile u32 *)(LAPIC + 0x20) >> 24; }
static void lapic_wr(u32 off, u32 v) { *(volatile u32 *)(LAPIC + off) = v; }

void on_ipi(void);
void on_ipi(void)
{
    ipis[lapic_id() & 1]++;
    lapic_wr(0xb0, 0);
}
__asm__(".text\n.global isr_ipi\nisr_ipi:\n"
        "push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\npush %r8\npush %r9\npush %r10\npush %r11\n"
        "call on_ipi\n"
        "pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\niretq\n");
extern char isr_ipi[];
static u64 idt[256 * 2] __attribute__((aligned(16)));

static void cpu_setup(void)
{
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } idtr = {sizeof(idt) - 1, (u64)(unsigned long)idt};
    __asm__ volatile("lidt %0" ::"m"(idtr));
    lapic_wr(0xf0, 0x1ff);
}

static void wait_ipi(unsigned me, u64 ms)
{
    u64 end = guest_counter() + guest_counter_freq() * ms / 1000;
    while (!ipis[me] && guest_counter() < end)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}

static void send_ipi(u32 dest) { *(volatile u32 *)(LAPIC + 0x310) = dest << 24; lapic_wr(0x300, VEC_IPI); }

void guest_secondary_main(u64 context)
{
    tsc_arrived = guest_counter();
    cpu_setup();
    gprintf("smpx: vcpu%ld up (APIC id %u), context %llu\n", hypercall(HC_VCPU_ID, 0, 0), lapic_id(),
            (unsigned long long)context);
    arrived = context;
    wait_ipi(1, 2000);
    gprintf("smpx: vcpu1 took %u IPI(s) from vcpu0\n", ipis[1]);
    send_ipi(0);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
    u64 a = (u64)(unsigned long)isr_ipi;
    idt[VEC_IPI * 2] = (a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((a >> 16) & 0xffff) << 48;
    idt[VEC_IPI * 2 + 1] = a >> 32;
    cpu_setup();
    tsc_before = guest_counter();
    long r = guest_cpu_on(1, 42);
    for (u64 end = guest_counter() + guest_counter_freq(); !arrived && guest_counter() < end;)
        ;
    gprintf("smpx: started vcpu1 by INIT/SIPI: %ld, it says context %llu\n", r, (unsigned long long)arrived);
    /* One TSC per VM: vCPU 1's first reading comes after vCPU 0's, within the 100 ms of the start. */
    u64 after = tsc_arrived - tsc_before;
    gprintf("smpx: vcpu1's TSC on arrival is %s vcpu0's before the start\n",
            tsc_arrived > tsc_before && after < guest_counter_freq() / 10 ? "just after" : "NOT just after");
    send_ipi(1);
    wait_ipi(0, 2000);
    gprintf("smpx: vcpu0 took %u IPI(s) from vcpu1\n", ipis[0]);
    gprintf("smpx: done\n");
    guest_system_off();
}
