/* RISC-V host interrupts (<drivers/riscv_plic.h>): IPIs multiplexed over the supervisor
 * software interrupt (a pending mask per CPU, the interrupt raised with SBI IPI), the supervisor
 * timer interrupt, and the PLIC (sifive,plic-1.0.0) on the supervisor external interrupt: every
 * source at priority 1, enabled in the S-mode context of the one hart it is routed to, threshold
 * 0. The hart -> context map comes from the PLIC node's interrupts-extended (entry i is context
 * i; the S-mode ones name a hart's interrupt controller with cause 9). A host with AIA instead
 * (an APLIC in MSI mode and IMSICs, no PLIC) has its sources served by riscv_aia.c: same IRQ
 * numbers, claimed from the hart's S-level interrupt file, completed by a re-trigger. */
#include <arch/cpu.h>
#include <arch/hart_intc.h>
#include <arch/sbi.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/irq_driver.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/riscv_aia.h>
#include <drivers/riscv_plic.h>
#include <lib/fdt.h>

#define PLIC_PRIORITY(src) (4u * (src))
#define PLIC_ENABLE(ctx) (0x2000u + 0x80u * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx) (0x200000u + 0x1000u * (ctx) + 4u)
#define PLIC_MAX_SOURCES 1023u
#define NO_CONTEXT 0xffffffffu

static u64 plic_base;
static u32 plic_sources;              /* riscv,ndev */
static u32 context_of_cpu[MAX_CPUS];  /* S-mode context of each logical CPU */
static u8 route[IRQ_MAX];             /* CPU a PLIC source is routed to */
static bool enabled[IRQ_MAX];
static u32 ipi_pending[MAX_CPUS];
static bool completion_deferred[MAX_CPUS]; /* set by the running handler: plic_defer_completion */
static bool use_aia;                       /* the host has the AIA (riscv_aia.c) instead of a PLIC */
/* The supervisor guest external interrupt is pending and enabled in hip/hie (0x644/0x604, the H
 * extension's CSRs, by number), not sip/sie: read only once an application (the hypervisor)
 * enabled it. */
static bool sgei_enabled;

static inline volatile u32 *reg(u32 off) { return (volatile u32 *)(uintptr_t)(plic_base + off); }


int irq_controller_init(const struct fdt *fdt)
{
    int node = fdt_find_compatible(fdt, -1, "sifive,plic-1.0.0");
    if (node < 0)
        node = fdt_find_compatible(fdt, -1, "riscv,plic0");
    u64 size;
    if (node < 0 && aia_init(fdt) == 0) {
        use_aia = true;
        plic_sources = MIN(aia_sources(), IRQ_MAX - RISCV_IRQ_PLIC - 1);
        return 0;
    }
    if (node < 0 || !fdt_reg(fdt, node, 0, &plic_base, &size) || !fdt_prop_u32(fdt, node, "riscv,ndev", &plic_sources)) {
        pr_err("plic: no usable PLIC (or AIA) node in the host DTB");
        return -1;
    }
    if (plic_sources > PLIC_MAX_SOURCES || plic_sources >= IRQ_MAX - RISCV_IRQ_PLIC)
        plic_sources = MIN(PLIC_MAX_SOURCES, IRQ_MAX - RISCV_IRQ_PLIC - 1);
    for (u32 c = 0; c < MAX_CPUS; c++)
        context_of_cpu[c] = NO_CONTEXT;
    /* Context i is interrupts-extended entry i: <intc-phandle cause>. */
    for (u32 ctx = 0;; ctx++) {
        struct fdt_irq_spec spec;
        if (!fdt_irq_spec(fdt, node, ctx, &spec))
            break;
        int cpu = spec.cell_count == 1 && spec.cells[0] == IRQ_S_EXT ? hart_intc_cpu(fdt, spec.controller) : -1;
        if (cpu >= 0)
            context_of_cpu[cpu] = ctx;
    }
    for (u32 c = 0; c < cpu_count(); c++)
        if (context_of_cpu[c] == NO_CONTEXT) {
            pr_err("plic: no S-mode context for cpu%u (hart %llu)", c, (unsigned long long)cpu_hwid(c));
            return -1;
        }
    dev_claim(plic_base, size, DEVCLAIM_HYPERVISOR, "PLIC", NULL);
    for (u32 src = 1; src <= plic_sources; src++)
        *reg(PLIC_PRIORITY(src)) = 0;
    for (u32 c = 0; c < cpu_count(); c++)
        for (u32 w = 0; w <= plic_sources / 32; w++)
            *reg(PLIC_ENABLE(context_of_cpu[c]) + 4 * w) = 0;
    pr_debug("plic: %#llx, %u sources", (unsigned long long)plic_base, plic_sources);
    return 0;
}

int irq_cpu_init(void)
{
    if (use_aia)
        aia_cpu_init();
    else
        *reg(PLIC_THRESHOLD(context_of_cpu[cpu_id()])) = 0;
    csr_clear(sip, SIE_SSIE);
    csr_set(sie, SIE_SSIE | SIE_SEIE);
    return 0;
}

const char *irq_controller_name(void) { return use_aia ? "APLIC+IMSIC" : "PLIC"; }

static bool plic_source(irq_t irq, u32 *src)
{
    *src = irq - RISCV_IRQ_PLIC;
    return irq >= RISCV_IRQ_PLIC + 1 && *src <= plic_sources;
}

static void plic_enable_on(u32 src, u32 cpu, bool on)
{
    if (use_aia) {
        aia_enable(src, cpu, on);
        return;
    }
    volatile u32 *w = reg(PLIC_ENABLE(context_of_cpu[cpu]) + 4 * (src / 32));
    *w = on ? *w | 1u << (src % 32) : *w & ~(1u << (src % 32));
}

void irq_enable(irq_t irq)
{
    u32 src;
    if (irq == RISCV_IRQ_TIMER) {
        csr_set(sie, SIE_STIE);
    } else if (irq == RISCV_IRQ_SGEI) {
        sgei_enabled = true;
        csr_set(0x604, SIE_SGEIE); /* hie: the guest external interrupt is enabled there */
    } else if (plic_source(irq, &src)) {
        if (!use_aia)
            *reg(PLIC_PRIORITY(src)) = 1;
        plic_enable_on(src, route[irq], true);
        enabled[irq] = true;
    }
    /* IPIs are always taken (the software interrupt is enabled by irq_cpu_init). */
}

void irq_disable(irq_t irq)
{
    u32 src;
    if (irq == RISCV_IRQ_TIMER) {
        csr_clear(sie, SIE_STIE);
    } else if (irq == RISCV_IRQ_SGEI) {
        csr_clear(0x604, SIE_SGEIE);
    } else if (plic_source(irq, &src)) {
        plic_enable_on(src, route[irq], false);
        enabled[irq] = false;
    }
}

void irq_set_target(irq_t irq, u32 cpu)
{
    u32 src;
    if (!plic_source(irq, &src) || cpu >= cpu_count())
        return;
    if (enabled[irq]) {
        plic_enable_on(src, route[irq], false);
        plic_enable_on(src, cpu, true);
    }
    route[irq] = (u8)cpu;
}

void irq_send_ipi(u32 cpu, irq_t ipi)
{
    if (ipi >= RISCV_IRQ_IPI_COUNT || cpu >= cpu_count())
        return;
    __atomic_fetch_or(&ipi_pending[cpu], 1u << ipi, __ATOMIC_RELEASE);
    u64 hart = cpu_hwid(cpu);
    sbi_send_ipi(1ull << (hart % 64), hart - hart % 64);
}

void plic_defer_completion(void) { completion_deferred[cpu_id()] = true; }

/* The source is enabled for the context of the one CPU it is routed to, which claimed it: its
 * completion goes there (the PLIC ignores one for a source the context does not enable). */
void plic_complete(irq_t irq)
{
    u32 src;
    if (plic_source(irq, &src) && use_aia)
        aia_complete(src);
    else if (plic_source(irq, &src))
        *reg(PLIC_CLAIM(context_of_cpu[route[irq]])) = src;
}

/* Runs the handler of a claimed source. True if the caller completes it now; false if the
 * handler deferred the completion (plic_defer_completion: a VM completes it later). */
static inline bool serve_source(u32 src)
{
    if (src <= plic_sources)
        irq_handle(RISCV_IRQ_PLIC + src);
    if (!completion_deferred[cpu_id()])
        return true;
    completion_deferred[cpu_id()] = false;
    return false;
}

/* The hart's IPIs and timer; returns how many it handled (none: nothing of theirs pending). */
static inline unsigned dispatch_local(u64 pending)
{
    unsigned handled = 0;
    if (pending & SIE_SSIE) {
        csr_clear(sip, SIE_SSIE); /* before taking the messages: a new one raises it again */
        u32 bits = __atomic_exchange_n(&ipi_pending[cpu_id()], 0, __ATOMIC_ACQUIRE);
        for (; bits; bits &= bits - 1, handled++)
            irq_handle((irq_t)__builtin_ctz(bits));
        return handled ? handled : 1;
    }
    if (pending & SIE_STIE) {
        irq_handle(RISCV_IRQ_TIMER); /* the handler moves the deadline, lowering the line */
        return 1;
    }
    return 0;
}

/* The AIA host's loop (apart, so that the PLIC's below is what it was): external interrupts
 * from the hart's S-level file, and the guest external interrupt of a guest file (SGEI). */
static __attribute__((noinline)) unsigned irq_dispatch_aia(void)
{
    unsigned handled = 0;
    for (;;) {
        u64 pending = csr_read(sip) & csr_read(sie);
        if (sgei_enabled)
            pending |= csr_read(0x644) & csr_read(0x604) & SIE_SGEIE;
        unsigned n = dispatch_local(pending);
        if (n) {
            handled += n;
        } else if (pending & SIE_SEIE) {
            u32 src = aia_claim();
            if (!src)
                break; /* claimed elsewhere meanwhile */
            if (serve_source(src))
                aia_complete(src);
            handled++;
        } else if (pending & SIE_SGEIE) {
            irq_handle(RISCV_IRQ_SGEI); /* the handler clears the hgeie bits it served */
            handled++;
        } else {
            break;
        }
    }
    return handled;
}

unsigned irq_dispatch(void)
{
    if (use_aia)
        return irq_dispatch_aia();
    unsigned handled = 0;
    u32 ctx = context_of_cpu[cpu_id()];
    for (;;) {
        u64 pending = csr_read(sip) & csr_read(sie);
        if (pending & SIE_SSIE) {
            csr_clear(sip, SIE_SSIE); /* before taking the messages: a new one raises it again */
            u32 bits = __atomic_exchange_n(&ipi_pending[cpu_id()], 0, __ATOMIC_ACQUIRE);
            for (; bits; bits &= bits - 1, handled++)
                irq_handle((irq_t)__builtin_ctz(bits));
        } else if (pending & SIE_STIE) {
            irq_handle(RISCV_IRQ_TIMER); /* the handler moves the deadline, lowering the line */
            handled++;
        } else if (pending & SIE_SEIE) {
            u32 src = *reg(PLIC_CLAIM(ctx));
            if (!src)
                break; /* claimed elsewhere meanwhile */
            if (serve_source(src))
                *reg(PLIC_CLAIM(ctx)) = src; /* complete */
            handled++;
        } else {
            break;
        }
    }
    return handled;
}
