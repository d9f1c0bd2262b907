/* Local APIC, xAPIC mode, through its MMIO page (TCG's CPUs have no x2APIC). */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <drivers/lapic.h>

#define APIC_BASE_ENABLE (1ull << 11)
#define ICR_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_NMI (4u << 8)
#define ICR_POLLS 100000

static u64 base = LAPIC_DEFAULT_BASE;

void lapic_set_base(u64 b) { base = b; }
u64 lapic_base(void) { return base; }
u32 lapic_read(u32 reg) { return *(volatile u32 *)(uintptr_t)(base + reg); }
void lapic_write(u32 reg, u32 v) { *(volatile u32 *)(uintptr_t)(base + reg) = v; }
u32 lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }

void lapic_cpu_init(u8 spurious_vector)
{
    u64 msr = rdmsr(MSR_APIC_BASE);
    if (!(msr & APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | spurious_vector);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_TPR, 0);
    lapic_eoi();
}

static bool icr_send(u32 apic_id, u32 lo)
{
    u32 i = 0;
    while ((lapic_read(LAPIC_ICR_LO) & ICR_PENDING) && i++ < ICR_POLLS)
        arch_cpu_relax();
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, lo); /* this write sends */
    for (i = 0; (lapic_read(LAPIC_ICR_LO) & ICR_PENDING) && i < ICR_POLLS; i++)
        arch_cpu_relax();
    return i < ICR_POLLS;
}

bool lapic_send_ipi(u32 apic_id, u8 vector) { return icr_send(apic_id, vector); }
bool lapic_send_init(u32 apic_id) { return icr_send(apic_id, ICR_INIT | ICR_LEVEL_ASSERT); }
bool lapic_send_startup(u32 apic_id, u8 page) { return icr_send(apic_id, ICR_STARTUP | ICR_LEVEL_ASSERT | page); }
bool lapic_send_nmi(u32 apic_id) { return icr_send(apic_id, ICR_NMI | ICR_LEVEL_ASSERT); }
