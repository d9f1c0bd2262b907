/* Host interrupts of x86 machines (<base/irq.h>, numbering in <drivers/apic.h>): IPIs through the
 * local APIC's ICR, the local APIC timer, I/O APIC inputs (every one masked until enabled, routed
 * to one CPU by its APIC id) and MSIs. A local APIC cannot mask one vector, so an IPI that arrives
 * while its number is disabled on that CPU is kept pending and re-raised (a self-IPI) when the
 * CPU enables it, as a GIC keeps a disabled SGI pending. */
#include <arch/cpu.h>
#include <arch/spinlock.h>
#include <arch/x86_cpu.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/irq_driver.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/apic.h>
#include <drivers/ioapic.h>
#include <drivers/lapic.h>

_Static_assert(IRQ_IPI_COUNT <= 16, "IPIs are 0-15");
_Static_assert(X86_IRQ_VECTOR_BASE + APIC_IRQ_LAST < X86_SPURIOUS_VECTOR, "vectors");

static u32 ipi_enabled[MAX_CPUS], ipi_pending[MAX_CPUS];
static u64 handled[MAX_CPUS];
/* CPUs whose local APIC a guest drives (apic_lend), the IPIs being sent to each (the hand-over
 * waits for them), and the CPU taking back an APIC, whose pending vectors are the guest's. */
static bool lent[MAX_CPUS];
static u32 ipis_sending[MAX_CPUS];
static bool discarding[MAX_CPUS];
static u8 gsi_target[APIC_MAX_GSI];
static bool gsi_level[APIC_MAX_GSI], gsi_active_low[APIC_MAX_GSI];
static irq_t next_msi = APIC_IRQ_MSI_BASE;
static spinlock_t msi_lock = SPINLOCK_INIT;

static u8 vector_of(irq_t irq) { return (u8)(X86_IRQ_VECTOR_BASE + irq); }
static bool is_gsi(irq_t irq) { return irq >= APIC_IRQ_GSI_BASE && irq < APIC_IRQ_GSI_BASE + APIC_MAX_GSI; }

irq_t apic_irq_of_isa(u8 isa)
{
    bool level, low;
    u32 gsi = ioapic_isa_gsi(isa, &level, &low);
    if (gsi >= APIC_MAX_GSI)
        return 0;
    gsi_level[gsi] = level;
    gsi_active_low[gsi] = low;
    return APIC_IRQ_GSI(gsi);
}

int irq_controller_init(const struct fdt *fdt)
{
    (void)fdt; /* the firmware tables told lapic_set_base and ioapic_add where the chips are */
    if (!(cpuid(1, 0).edx & CPUID_1_EDX_APIC)) {
        pr_err("apic: this CPU has no local APIC");
        return -1;
    }
    if (ioapic_init() != 0) {
        pr_err("apic: the firmware tables describe no I/O APIC");
        return -1;
    }
    if (ioapic_gsi_count() > APIC_MAX_GSI)
        pr_warn("apic: GSIs from %u on are not used (%u described)", APIC_MAX_GSI, ioapic_gsi_count());
    /* PCI-style defaults for the inputs above the ISA range: level, active low. */
    for (u32 g = 16; g < APIC_MAX_GSI; g++)
        gsi_level[g] = gsi_active_low[g] = true;
    dev_claim(lapic_base(), 0x1000, DEVCLAIM_HYPERVISOR, "local APIC", NULL);
    return 0;
}

int irq_cpu_init(void)
{
    lapic_cpu_init(X86_SPURIOUS_VECTOR);
    if (lapic_id() != (u32)cpu_hwid(cpu_id())) {
        pr_err("apic: cpu%u has APIC id %u, the firmware tables say %llu", cpu_id(), lapic_id(),
               (unsigned long long)cpu_hwid(cpu_id()));
        return -1;
    }
    return 0;
}

const char *irq_controller_name(void) { return "xAPIC + I/O APIC"; }

void irq_enable(irq_t irq)
{
    u32 cpu = cpu_id();
    if (irq < IRQ_IPI_COUNT) {
        __atomic_fetch_or(&ipi_enabled[cpu], 1u << irq, __ATOMIC_SEQ_CST);
        if (__atomic_fetch_and(&ipi_pending[cpu], ~(1u << irq), __ATOMIC_SEQ_CST) & (1u << irq))
            lapic_send_ipi(lapic_id(), vector_of(irq));
    } else if (irq == APIC_IRQ_TIMER) {
        lapic_write(LAPIC_LVT_TIMER, vector_of(irq)); /* one-shot, unmasked */
    } else if (is_gsi(irq)) {
        u32 gsi = irq - APIC_IRQ_GSI_BASE;
        ioapic_route(gsi, vector_of(irq), (u32)cpu_hwid(gsi_target[gsi]), gsi_level[gsi], gsi_active_low[gsi], false);
    }
}

void irq_disable(irq_t irq)
{
    if (irq < IRQ_IPI_COUNT)
        __atomic_fetch_and(&ipi_enabled[cpu_id()], ~(1u << irq), __ATOMIC_SEQ_CST);
    else if (irq == APIC_IRQ_TIMER)
        lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | vector_of(irq));
    else if (is_gsi(irq))
        ioapic_mask(irq - APIC_IRQ_GSI_BASE, true);
}

/* I/O APIC inputs only; an MSI goes to the CPU it was allocated for. */
void irq_set_target(irq_t irq, u32 cpu)
{
    if (is_gsi(irq) && cpu < cpu_count()) {
        gsi_target[irq - APIC_IRQ_GSI_BASE] = (u8)cpu;
        ioapic_set_dest(irq - APIC_IRQ_GSI_BASE, (u32)cpu_hwid(cpu));
    }
}

/* To a CPU whose APIC a guest drives, an IPI is an NMI: a vector would be taken through the
 * guest's IDT (the NMI brings the guest out; the host's NMI handler does nothing, and the CPU
 * looks at what it was asked when it is back in its run loop). Counted while being sent, so
 * that apic_lend(true) can wait for any that chose the vector before the APIC was lent. */
void irq_send_ipi(u32 cpu, irq_t ipi)
{
    if (ipi >= IRQ_IPI_COUNT || cpu >= cpu_count())
        return;
    __atomic_fetch_add(&ipis_sending[cpu], 1, __ATOMIC_SEQ_CST);
    u32 apic_id = (u32)cpu_hwid(cpu);
    bool ok = __atomic_load_n(&lent[cpu], __ATOMIC_SEQ_CST) ? lapic_send_nmi(apic_id)
                                                          : lapic_send_ipi(apic_id, vector_of(ipi));
    __atomic_fetch_sub(&ipis_sending[cpu], 1, __ATOMIC_SEQ_CST);
    if (!ok)
        pr_warn("apic: IPI %u to cpu%u not accepted", ipi, cpu);
}

/* Takes what is pending, one after the other (interrupts masked before and after). */
static void take_pending(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }

void apic_lend(bool to_guest)
{
    u32 cpu = cpu_id();
    if (to_guest) {
        /* From here on IPIs come as NMIs; one that chose the vector before is waited for (its
         * sender's count and this flag are a Dekker pair: one of the two sees the other), and
         * taken with whatever else the host left pending, by the host's handlers. */
        __atomic_store_n(&lent[cpu], true, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&ipis_sending[cpu], __ATOMIC_SEQ_CST))
            arch_cpu_relax();
        take_pending();
    } else {
        /* Still lent: nothing of the host's arrives as a vector, so every one pending is the
         * guest's (its timer, its self-IPIs while it ran with interrupts off): ended here. */
        discarding[cpu] = true;
        take_pending();
        discarding[cpu] = false;
        __atomic_store_n(&lent[cpu], false, __ATOMIC_SEQ_CST);
    }
}

int irq_msi_alloc(u32 cpu, irq_t *irq, u64 *address, u32 *data)
{
    spin_lock(&msi_lock);
    irq_t n = next_msi <= APIC_IRQ_LAST ? next_msi++ : 0;
    spin_unlock(&msi_lock);
    if (!n || cpu >= cpu_count())
        return -1;
    *irq = n;
    *address = lapic_base() | cpu_hwid(cpu) << 12; /* physical destination, fixed delivery */
    *data = vector_of(n);                          /* edge */
    return 0;
}

void apic_handle_vector(u8 vector)
{
    if (vector == X86_SPURIOUS_VECTOR)
        return; /* no EOI for the spurious vector */
    irq_t irq = (irq_t)(vector - X86_IRQ_VECTOR_BASE);
    u32 cpu = cpu_id();
    if (discarding[cpu]) {
        lapic_eoi(); /* a guest's, left behind (apic_lend) */
        return;
    }
    handled[cpu]++;
    if (irq < IRQ_IPI_COUNT && !(__atomic_load_n(&ipi_enabled[cpu], __ATOMIC_SEQ_CST) & (1u << irq))) {
        __atomic_fetch_or(&ipi_pending[cpu], 1u << irq, __ATOMIC_SEQ_CST);
        lapic_eoi();
        return;
    }
    irq_handle(irq);
    lapic_eoi();
}

/* The IDT delivers interrupts as they come: this opens a window for those already pending. */
unsigned irq_dispatch(void)
{
    u32 cpu = cpu_id();
    u64 before = handled[cpu], flags;
    __asm__ volatile("pushfq; pop %0; sti; nop; cli" : "=r"(flags)::"memory");
    if (flags & RFLAGS_IF)
        local_irq_enable();
    return (unsigned)(handled[cpu] - before);
}
