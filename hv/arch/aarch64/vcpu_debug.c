/* Self-hosted debug and PMU state of a vCPU: breakpoints, watchpoints, the OS lock and double
 * lock, the debug communications interrupt enables, and every PMU register a guest can write. None of it is trapped (MDCR_EL2 leaves
 * them to EL1), so a guest's debugger and perf run at native speed; instead the whole set is
 * switched with the rest of the EL1 state, lazily, when another vCPU takes the pCPU
 * (vcpu_arch_load). A vCPU starts from the architectural reset values, so nothing a VM left in
 * these registers (a breakpoint on an address another VM also runs code at, a running cycle
 * counter, a PMU opened to EL0) reaches another VM or a restarted one.
 *
 * Breakpoints and watchpoints never fire in the hypervisor: MDCR_EL2.TDE is 0, so debug
 * exceptions target EL1, and they are never taken from a higher EL. What is not closed on a
 * CPU without PMUv3.1 (MDCR_EL2.HPMD): a guest can set the NSH filter bit of its counters and
 * count events at EL2 while its own vCPU is loaded; and the debug claim tags (DBGCLAIM*, 8 bits
 * of software flags) are left alone, since QEMU 7.2 does not implement them and an access
 * would be an undefined instruction at EL2 (docs/isolation.md). */
#include <arch/sysreg.h>
#include <arch/vcpu_debug.h>
#include <lib/string.h>

#define DFR0_PMUVER(d) (((d) >> 8) & 0xf)
#define DFR0_BRPS(d) ((((d) >> 12) & 0xf) + 1)
#define DFR0_WRPS(d) ((((d) >> 20) & 0xf) + 1)
#define DFR0_PMSVER(d) (((d) >> 32) & 0xf)
#define PMUVER_V3P1 4
#define PMUVER_IMPDEF 0xf

#define PMCR_E (1ull << 0)
#define PMCR_P (1ull << 1) /* write 1: reset event counters */
#define PMCR_C (1ull << 2) /* write 1: reset the cycle counter */
#define PMCR_N(p) (((p) >> 11) & 0x1f)

#define MDCR_TPMS (1ull << 14)
#define MDCR_HPMD (1ull << 17)

static u32 brps, wrps, counters;
static bool has_pmu;

BUILT_FOR_SIZE void vcpu_debug_cpu_init(void)
{
    u64 dfr0 = read_sysreg(id_aa64dfr0_el1);
    u32 pmuver = DFR0_PMUVER(dfr0);
    brps = DFR0_BRPS(dfr0);
    wrps = DFR0_WRPS(dfr0);
    has_pmu = pmuver != 0 && pmuver != PMUVER_IMPDEF;
    counters = has_pmu ? (u32)PMCR_N(read_sysreg(pmcr_el0)) : 0;
    if (counters > VCPU_DEBUG_MAX_PMC)
        counters = VCPU_DEBUG_MAX_PMC;
    /* HPMN = N: every event counter is the guest's. No debug or PMU trap (TDE, TDA, TDOSA,
     * TDRA, TPM, TPMCR all 0). Where the CPU can, counting at EL2 is prohibited (HPMD) and the
     * statistical profiling controls trap (TPMS, E2PB = 0: the buffer is EL2's). */
    u64 mdcr = counters;
    if (has_pmu && pmuver >= PMUVER_V3P1)
        mdcr |= MDCR_HPMD;
    if (DFR0_PMSVER(dfr0))
        mdcr |= MDCR_TPMS;
    write_sysreg(mdcr_el2, mdcr);
    isb();
}

void vcpu_debug_reset(struct vcpu_debug *d)
{
    memset(d, 0, sizeof(*d));
    d->oslk = 1; /* the OS lock is set at reset; an OS clears it when it sets up debug */
}

/* Register n of each kind by its own encoding (there is no indirect access). */
#define BP_SAVE(n)                                                                                         \
    case n:                                                                                                \
        d->bvr[n] = read_sysreg(dbgbvr##n##_el1);                                                          \
        d->bcr[n] = read_sysreg(dbgbcr##n##_el1);                                                          \
        __attribute__((fallthrough));
#define BP_RESTORE(n)                                                                                      \
    case n:                                                                                                \
        write_sysreg(dbgbvr##n##_el1, d->bvr[n]);                                                          \
        write_sysreg(dbgbcr##n##_el1, d->bcr[n]);                                                          \
        __attribute__((fallthrough));
#define WP_SAVE(n)                                                                                         \
    case n:                                                                                                \
        d->wvr[n] = read_sysreg(dbgwvr##n##_el1);                                                          \
        d->wcr[n] = read_sysreg(dbgwcr##n##_el1);                                                          \
        __attribute__((fallthrough));
#define WP_RESTORE(n)                                                                                      \
    case n:                                                                                                \
        write_sysreg(dbgwvr##n##_el1, d->wvr[n]);                                                          \
        write_sysreg(dbgwcr##n##_el1, d->wcr[n]);                                                          \
        __attribute__((fallthrough));
#define ALL_16(m) m(15) m(14) m(13) m(12) m(11) m(10) m(9) m(8) m(7) m(6) m(5) m(4) m(3) m(2) m(1) m(0)

void vcpu_debug_save(struct vcpu_debug *d)
{
    switch (brps - 1) {
        ALL_16(BP_SAVE)
    default:
        break;
    }
    switch (wrps - 1) {
        ALL_16(WP_SAVE)
    default:
        break;
    }
    d->oslk = (read_sysreg(oslsr_el1) >> 1) & 1;
    d->osdlr = read_sysreg(osdlr_el1) & 1;
    d->mdccint = read_sysreg(mdccint_el1);
    if (!has_pmu)
        return;
    d->pmcr = read_sysreg(pmcr_el0);
    d->pmselr = read_sysreg(pmselr_el0);
    for (u32 i = 0; i < counters; i++) {
        write_sysreg(pmselr_el0, i);
        isb();
        d->evtyper[i] = read_sysreg(pmxevtyper_el0);
        d->evcntr[i] = read_sysreg(pmxevcntr_el0);
    }
    d->pmccfiltr = read_sysreg(pmccfiltr_el0);
    d->pmccntr = read_sysreg(pmccntr_el0);
    d->pmcnten = read_sysreg(pmcntenset_el0);
    d->pminten = read_sysreg(pmintenset_el1);
    d->pmovs = read_sysreg(pmovsset_el0);
    d->pmuserenr = read_sysreg(pmuserenr_el0);
}

void vcpu_debug_restore(const struct vcpu_debug *d)
{
    switch (brps - 1) {
        ALL_16(BP_RESTORE)
    default:
        break;
    }
    switch (wrps - 1) {
        ALL_16(WP_RESTORE)
    default:
        break;
    }
    write_sysreg(oslar_el1, d->oslk);
    write_sysreg(osdlr_el1, d->osdlr);
    write_sysreg(mdccint_el1, d->mdccint);
    if (!has_pmu)
        return;
    write_sysreg(pmcr_el0, 0); /* counting stops while the counters change hands */
    isb();
    for (u32 i = 0; i < counters; i++) {
        write_sysreg(pmselr_el0, i);
        isb();
        write_sysreg(pmxevtyper_el0, d->evtyper[i]);
        write_sysreg(pmxevcntr_el0, d->evcntr[i]);
    }
    write_sysreg(pmselr_el0, d->pmselr);
    write_sysreg(pmccfiltr_el0, d->pmccfiltr);
    write_sysreg(pmccntr_el0, d->pmccntr);
    write_sysreg(pmcntenclr_el0, ~0ull);
    write_sysreg(pmcntenset_el0, d->pmcnten);
    write_sysreg(pmintenclr_el1, ~0ull);
    write_sysreg(pmintenset_el1, d->pminten);
    write_sysreg(pmovsclr_el0, ~0ull);
    write_sysreg(pmovsset_el0, d->pmovs);
    write_sysreg(pmuserenr_el0, d->pmuserenr);
    write_sysreg(pmcr_el0, d->pmcr & ~(PMCR_P | PMCR_C));
}
