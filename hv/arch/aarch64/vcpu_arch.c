/* aarch64 vCPU: reset state, EL1 context switching, and decoding of EL2 traps into generic exits. */
#include <arch/dabt.h>
#include <arch/psci.h>
#include <arch/sysreg.h>
#include <arch/vcpu_parts.h>
#include <base/irq.h>
#include <drivers/gicv2.h>
#include <drivers/gicv3.h>
#include <base/log.h>
#include <base/percpu.h>
#include <arch/vgic_lr.h>
#include <hv/arch.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/vconsole.h>
#include <hv/vm.h>
#include <lib/fmt.h>
#include <lib/string.h>

#include "vgic/vgic_const.h"

_Static_assert(__builtin_offsetof(struct guest_regs, pc) == 248, "guest_switch.S offsets");
_Static_assert(__builtin_offsetof(struct fpsimd_state, fpsr) == 512, "guest_switch.S offsets");
_Static_assert(__builtin_offsetof(struct vcpu, stats) - __builtin_offsetof(struct vcpu, arch.regs) == 3360,
               "guest_switch.S offsets (REGS_TO_STATS)");
_Static_assert(__builtin_offsetof(struct vcpu_arch, irq_passthrough) - __builtin_offsetof(struct vcpu_arch, regs) == 2138,
               "guest_switch.S offsets (REGS_TO_IRQ_PASSTHROUGH)");
_Static_assert(__builtin_offsetof(struct vcpu_arch, vgic.tick_gen) - __builtin_offsetof(struct vcpu_arch, regs) == 3280 &&
                   __builtin_offsetof(struct vcpu_arch, vgic.tick_lr_val) - __builtin_offsetof(struct vcpu_arch, regs) == 3288 &&
                   __builtin_offsetof(struct vcpu_arch, vgic.tick_lr) - __builtin_offsetof(struct vcpu_arch, regs) == 3296,
               "guest_switch.S offsets (REGS_TO_TICK)");
_Static_assert(__builtin_offsetof(struct vcpu, arch.regs) == 48, "guest_switch.S offsets (REGS_TO_VM)");
_Static_assert(__builtin_offsetof(struct vcpu_arch, hcr) - __builtin_offsetof(struct vcpu_arch, regs) == 2096,
               "guest_switch.S offsets (REGS_TO_HCR)");
_Static_assert(__builtin_offsetof(struct vm, arch.vgic.gen) == 3776 && __builtin_offsetof(struct vm, arch.vgic.injected) == 12288,
               "guest_switch.S offsets (VM_TO_GEN, VM_TO_INJECTED)");
_Static_assert(__builtin_offsetof(struct gicv2_info, cpu_base) == 8 && __builtin_offsetof(struct gicv2_info, hyp_base) == 16,
               "guest_switch.S offsets (GICV2_CPU_BASE, GICV2_HYP_BASE)");
_Static_assert(__builtin_offsetof(struct vcpu_stats, irqs) == 32, "guest_switch.S offsets (stats.irqs)");
_Static_assert(__builtin_offsetof(struct vcpu_stats, exits) == 0 && __builtin_offsetof(struct vcpu_stats, hypercalls) == 8,
               "guest_switch.S offsets (stats)");

u64 vcpu_arch_enter(struct guest_regs *regs);
bool vcpu_arch_fast_abort(struct guest_regs *r);
bool vcpu_arch_fast_sysreg(struct guest_regs *r);
bool vcpu_arch_fast_irq(struct guest_regs *r, u32 taken);
void fpsimd_save(struct fpsimd_state *s);
void fpsimd_restore(const struct fpsimd_state *s);

#define HCR_VM (1ull << 0)
#define HCR_SWIO (1ull << 1)
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_VI (1ull << 7)
#define HCR_AMO (1ull << 5)
#define HCR_FB (1ull << 9)
#define HCR_BSU_IS (1ull << 10)
#define HCR_TWI (1ull << 13)
#define HCR_TWE (1ull << 14)
#define HCR_TID3 (1ull << 18)
#define HCR_TSC (1ull << 19)
#define HCR_RW (1ull << 31)

#define GUEST_HCR (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | HCR_TWI | HCR_TWE | \
                   HCR_TSC | HCR_RW)
#define SPSR_EL1H_DAIF_MASKED 0x3c5ull
#define SCTLR_EL1_RESET 0x30d00800ull /* RES1 bits, MMU and caches off */
#define CPACR_FPEN (3ull << 20)
#define CNTV_IMASK (1ull << 1)
#define VTIMER_INTID 27
#define HYP_TIMER_INTID 26
#define MAINTENANCE_INTID 25

/* Which vCPU's EL1 and FP state is live on each pCPU. */
static struct vcpu *loaded[MAX_CPUS];

u64 vcpu_arch_hwid(u32 index)
{
    /* Aff0 up to 15 (GICv3 target lists), then Aff1: vCPU 16 is 1.0. */
    return ((u64)(index / 16) << 8) | (index % 16);
}

void vcpu_arch_init(struct vcpu *vcpu)
{
    vcpu->arch.hcr = GUEST_HCR;
    vcpu->arch.vmpidr = (1ull << 31) | vcpu->hwid;
}

BUILT_FOR_SIZE void vcpu_arch_reset(struct vcpu *vcpu, gpa_t entry, u64 arg)
{
    struct vcpu_arch *a = &vcpu->arch;
    memset(&a->regs, 0, sizeof(a->regs));
    memset(&a->el1, 0, sizeof(a->el1));
    memset(&a->fp, 0, sizeof(a->fp));
    a->regs.x[0] = arg;
    a->regs.pc = entry.val;
    a->regs.pstate = SPSR_EL1H_DAIF_MASKED;
    a->el1.sctlr = SCTLR_EL1_RESET;
    a->el1.cpacr = CPACR_FPEN;
    vcpu_debug_reset(&a->debug);
    a->ptimer_ctl = a->ptimer_cval = 0;
    vcpu->arch.vgic.vmcr = 0;
    memset(vcpu->arch.vgic.ap1r, 0, sizeof(vcpu->arch.vgic.ap1r));
    /* Written by another pCPU (PSCI CPU_ON): the owner reloads before running. */
    __atomic_store_n(&a->reload, true, __ATOMIC_RELEASE);
}

static void el1_save(struct el1_sysregs *s)
{
    s->sctlr = read_sysreg(sctlr_el1);
    s->ttbr0 = read_sysreg(ttbr0_el1);
    s->ttbr1 = read_sysreg(ttbr1_el1);
    s->tcr = read_sysreg(tcr_el1);
    s->mair = read_sysreg(mair_el1);
    s->amair = read_sysreg(amair_el1);
    s->vbar = read_sysreg(vbar_el1);
    s->contextidr = read_sysreg(contextidr_el1);
    s->tpidr_el0 = read_sysreg(tpidr_el0);
    s->tpidrro_el0 = read_sysreg(tpidrro_el0);
    s->tpidr_el1 = read_sysreg(tpidr_el1);
    s->sp_el0 = read_sysreg(sp_el0);
    s->sp_el1 = read_sysreg(sp_el1);
    s->elr = read_sysreg(elr_el1);
    s->spsr = read_sysreg(spsr_el1);
    s->esr = read_sysreg(esr_el1);
    s->far = read_sysreg(far_el1);
    s->afsr0 = read_sysreg(afsr0_el1);
    s->afsr1 = read_sysreg(afsr1_el1);
    s->par = read_sysreg(par_el1);
    s->cpacr = read_sysreg(cpacr_el1);
    s->cntkctl = read_sysreg(cntkctl_el1);
    s->cntv_ctl = read_sysreg(cntv_ctl_el0);
    s->cntv_cval = read_sysreg(cntv_cval_el0);
    s->csselr = read_sysreg(csselr_el1);
    s->mdscr = read_sysreg(mdscr_el1);
}

static void el1_restore(const struct el1_sysregs *s)
{
    write_sysreg(sctlr_el1, s->sctlr);
    write_sysreg(ttbr0_el1, s->ttbr0);
    write_sysreg(ttbr1_el1, s->ttbr1);
    write_sysreg(tcr_el1, s->tcr);
    write_sysreg(mair_el1, s->mair);
    write_sysreg(amair_el1, s->amair);
    write_sysreg(vbar_el1, s->vbar);
    write_sysreg(contextidr_el1, s->contextidr);
    write_sysreg(tpidr_el0, s->tpidr_el0);
    write_sysreg(tpidrro_el0, s->tpidrro_el0);
    write_sysreg(tpidr_el1, s->tpidr_el1);
    write_sysreg(sp_el0, s->sp_el0);
    write_sysreg(sp_el1, s->sp_el1);
    write_sysreg(elr_el1, s->elr);
    write_sysreg(spsr_el1, s->spsr);
    write_sysreg(esr_el1, s->esr);
    write_sysreg(far_el1, s->far);
    write_sysreg(afsr0_el1, s->afsr0);
    write_sysreg(afsr1_el1, s->afsr1);
    write_sysreg(par_el1, s->par);
    write_sysreg(cpacr_el1, s->cpacr);
    write_sysreg(cntkctl_el1, s->cntkctl);
    write_sysreg(cntv_cval_el0, s->cntv_cval);
    write_sysreg(cntv_ctl_el0, s->cntv_ctl);
    write_sysreg(csselr_el1, s->csselr);
    write_sysreg(mdscr_el1, s->mdscr);
}

/* Makes vcpu's EL1/FP state and stage-2 context live on this pCPU (lazily: a vCPU that keeps
 * its pCPU pays nothing per exit). */

void vcpu_arch_load(struct vcpu *vcpu)
{
    u32 cpu = cpu_id();
    struct vcpu *prev = loaded[cpu];
    bool reload = __atomic_load_n(&vcpu->arch.reload, __ATOMIC_ACQUIRE);
    if (prev == vcpu && !reload) {
        write_sysreg(hcr_el2, vcpu->arch.hcr); /* (vcpu_arch_before_idle may have changed it) */
        return;
    }
    if (prev && prev != vcpu && !prev->arch.reload) {
        el1_save(&prev->arch.el1);
        fpsimd_save(&prev->arch.fp);
        vgic_cpuif_save(&prev->arch.vgic.vmcr, prev->arch.vgic.ap1r);
        vcpu_debug_save(&prev->arch.debug);
    }
    vcpu->arch.reload = false;
    el1_restore(&vcpu->arch.el1);
    fpsimd_restore(&vcpu->arch.fp);
    vgic_cpuif_restore(vcpu->arch.vgic.vmcr, vcpu->arch.vgic.ap1r);
    vcpu_debug_restore(&vcpu->arch.debug);
    write_sysreg(vttbr_el2, vcpu->vm->arch.vttbr);
    write_sysreg(vmpidr_el2, vcpu->arch.vmpidr);
    write_sysreg(hcr_el2, vcpu->arch.hcr);
    write_sysreg(cntvoff_el2, vcpu->vm->arch.cntvoff);
    if (vcpu->arch.irq_passthrough) {
        /* Its timers interrupt it directly: EL1 physical timer untrapped (EL1PCEN); the
         * hypervisor's own timer and maintenance interrupts must not reach it. */
        write_sysreg(cnthctl_el2, 0x3);
        gic_hide_private(HYP_TIMER_INTID);
        gic_hide_private(MAINTENANCE_INTID);
        gic_reserve_cpu(cpu, true);
    } else {
        write_sysreg(cnthctl_el2, 0x1);
        vtimer_load(vcpu);
    }
    isb();
    loaded[cpu] = vcpu;
}

struct vcpu *vcpu_arch_loaded(u32 cpu) { return loaded[cpu]; }

void vcpu_arch_hide_gic_sysregs(struct vcpu *vcpu)
{
    vcpu->arch.hcr |= HCR_TID3;
}

void vcpu_arch_trap_wfx(struct vcpu *vcpu, bool trap)
{
    if (vcpu->arch.irq_passthrough)
        return; /* its WFI never traps: the pCPU is its own */
    u64 hcr = trap ? vcpu->arch.hcr | HCR_TWI | HCR_TWE : vcpu->arch.hcr & ~(HCR_TWI | HCR_TWE);
    if (hcr == vcpu->arch.hcr)
        return;
    vcpu->arch.hcr = hcr;
    if (loaded[cpu_id()] == vcpu)
        write_sysreg(hcr_el2, hcr); /* exception return synchronizes it before the guest runs */
}

void vcpu_arch_before_idle(void)
{
    u64 hcr = read_sysreg(hcr_el2);
    if (hcr & HCR_VI) {
        write_sysreg(hcr_el2, hcr & ~HCR_VI); /* vcpu_arch_load puts it back */
        isb();
    }
}

void vcpu_arch_set_virq(struct vcpu *vcpu, bool level)
{
    u64 hcr = level ? vcpu->arch.hcr | HCR_VI : vcpu->arch.hcr & ~HCR_VI;
    if (hcr == vcpu->arch.hcr)
        return;
    vcpu->arch.hcr = hcr;
    if (loaded[cpu_id()] == vcpu)
        write_sysreg(hcr_el2, hcr); /* exception return synchronizes it before the guest runs */
}

void vcpu_arch_irq_deactivated(struct vcpu *vcpu, u32 intid)
{
    if (intid == VTIMER_INTID)
        vtimer_deactivated(vcpu);
}

bool vcpu_arch_irq_line(struct vcpu *vcpu, u32 intid, bool *level)
{
    return intid == VTIMER_INTID && vtimer_line(vcpu, level);
}

/* A vCPU that stops for good must not be saved into later (its memory will be freed). Called
 * on the vCPU's own pCPU, the only one that ever loads it, so no other CPU races on the slot. */
void vcpu_arch_unload(struct vcpu *vcpu)
{
    if (loaded[vcpu->pcpu] == vcpu && vcpu->pcpu == cpu_id()) {
        loaded[vcpu->pcpu] = NULL;
        if (vcpu->arch.irq_passthrough) {
            /* The pCPU is the hypervisor's again: its CPU interface and interrupts as before. */
            write_sysreg(hcr_el2, GUEST_HCR);
            isb();
            gic_cpu_reinit();
            gic_reserve_cpu(vcpu->pcpu, false);
        }
    }
}

void vcpu_arch_set_irq_passthrough(struct vcpu *vcpu)
{
    vcpu->arch.irq_passthrough = true;
    vcpu->arch.hcr &= ~(HCR_IMO | HCR_FMO | HCR_TWI);
}

static void maintenance_irq(u32 intid, void *arg);

BUILT_FOR_SIZE void hv_arch_cpu_init(void)
{
    irq_set_handler(VTIMER_INTID, vtimer_irq, NULL);
    gic_set_keep_active(VTIMER_INTID, true);
    irq_enable(VTIMER_INTID);
    irq_set_handler(MAINTENANCE_INTID, maintenance_irq, NULL);
    irq_enable(MAINTENANCE_INTID);
    vgic_hcr_write(false, false);
    write_sysreg(vtcr_el2, stage2_vtcr());
    write_sysreg(hcr_el2, GUEST_HCR);
    /* Guests read the physical counter directly (EL1PCTEN); the EL1 physical timer traps
     * (EL1PCEN = 0) and is emulated in vtimer.c. */
    write_sysreg(cnthctl_el2, 0x1);
    write_sysreg(cptr_el2, 0x33ff); /* RES1 bits; no FP/SIMD trapping */
    write_sysreg(vpidr_el2, read_sysreg(midr_el1));
    vcpu_debug_cpu_init();
    isb();
}

u64 vcpu_arch_pc(const struct vcpu *vcpu) { return vcpu->arch.regs.pc; }

void vcpu_arch_set_return(struct vcpu *vcpu, u64 value) { vcpu->arch.regs.x[0] = value; }

/* Delivers a synchronous external abort for the access at guest-virtual address va to the
 * guest's EL1, as hardware would: ESR/FAR/ELR/SPSR_EL1 set, PC at the EL1 vector for where the
 * guest was (current EL with SP_EL0 or SP_ELx, or a lower EL in AArch64 or AArch32). The vCPU's
 * EL1 state is live (it is loaded on this pCPU). */
#define PSTATE_NRW (1ull << 4) /* the interrupted code ran in AArch32 (EL0: EL1 is AArch64) */
#define EC_IABT_CUR 0x21      /* instruction abort taken without a change of EL */
#define EC_DABT_CUR 0x25
#define ESR_FSC_SEA 0x10      /* synchronous external abort, not on a table walk */
#define ESR_WNR (1u << 6)

BUILT_FOR_SIZE void vcpu_arch_inject_abort(struct vcpu *vcpu, u64 va, bool instruction)
{
    struct guest_regs *r = &vcpu->arch.regs;
    bool aarch32 = r->pstate & PSTATE_NRW;
    bool from_el0 = aarch32 || (r->pstate & 0xc) == 0;
    u32 ec = instruction ? (from_el0 ? EC_IABT_LOW : EC_IABT_CUR) : (from_el0 ? EC_DABT_LOW : EC_DABT_CUR);
    u64 offset = aarch32 ? 0x600 : from_el0 ? 0x400 : (r->pstate & 1) ? 0x200 : 0x0;
    u32 iss = ESR_FSC_SEA | (!instruction && vcpu->arch.abort_write ? ESR_WNR : 0);
    write_sysreg(esr_el1, ((u64)ec << ESR_EC_SHIFT) | ESR_IL | iss);
    write_sysreg(far_el1, aarch32 ? (u32)va : va);
    write_sysreg(elr_el1, vcpu->arch.abort_pc);
    write_sysreg(spsr_el1, r->pstate);
    r->pstate = SPSR_EL1H_DAIF_MASKED;
    r->pc = read_sysreg(vbar_el1) + offset;
}

void vcpu_arch_complete_mmio_read(struct vcpu *vcpu, u64 value)
{
    struct vcpu_arch *a = &vcpu->arch;
    struct dabt d = {.width = a->mmio_width, .sign = a->mmio_sign, .sf = a->mmio_64};
    if (a->mmio_reg != 31)
        a->regs.x[a->mmio_reg] = dabt_load_value(&d, value);
}

/* Stage-2 data abort: an access outside the VM's RAM. With a valid syndrome (ISV) it is an
 * MMIO access the generic code dispatches; otherwise it cannot be emulated. */
static void decode_data_abort(struct vcpu *vcpu, u64 esr, struct vcpu_exit *exit)
{
    struct dabt d;
    u64 far = read_sysreg(far_el2);
    dabt_decode(esr, far, read_sysreg(hpfar_el2), &d);
    u64 ipa = d.ipa;
    bool write = d.write;
    if (dabt_translation_fault(&d) && vm_fault_in(vcpu->vm, gpa(ipa))) {
        exit->reason = VCPU_EXIT_RETRY; /* guest RAM brought in (also for its page-table walks) */
        return;
    }
    if (d.s1ptw) {
        vcpu_exit_fault(exit, ipa, true, "stage-2 fault on a guest page-table walk");
        return;
    }
    if (!dabt_translation_fault(&d)) { /* not a translation fault: the page is mapped */
        vcpu_exit_fault(exit, ipa, true, "%s %s (DFSC %#x)", write ? "write" : "read",
              (d.dfsc & 0x3c) == 0x0c ? "not permitted by the region's flags" : "fault in mapped memory", d.dfsc);
        return;
    }
    struct vcpu_arch *a = &vcpu->arch;
    a->abort_pc = a->regs.pc;
    a->abort_write = write;
    if (!d.valid) {
        /* Nothing to emulate it with; a machine answers an access to nothing with an abort. */
        vcpu_exit_fault(exit, ipa, true, "%s access that cannot be emulated (no syndrome: load/store pair or writeback)",
              write ? "write" : "read");
        exit->fault.abortable = true;
        exit->fault.instruction = false;
        exit->fault.va = far;
        return;
    }
    a->mmio_width = d.width;
    a->mmio_sign = d.sign;
    a->mmio_64 = d.sf;
    a->mmio_reg = d.reg;
    exit->reason = VCPU_EXIT_MMIO;
    exit->mmio.addr = gpa(ipa);
    exit->mmio.va = far;
    exit->mmio.width = d.width;
    exit->mmio.write = write;
    exit->mmio.data = 0;
    if (write) {
        u64 v = d.reg == 31 ? 0 : a->regs.x[d.reg];
        exit->mmio.data = d.width == 8 ? v : v & ((1ull << (d.width * 8)) - 1);
    }
    a->regs.pc += 4; /* stage-2 aborts report a 32-bit instruction (IL=1) */
}

/* Called from the exit vector (guest_switch.S) on a stage-2 data abort, with the guest's x0-x18
 * and x30 saved in *r (its other registers are still live, ELR_EL2 still its pc). Two aborts
 * are served here and the guest resumes at once, without the run loop: a 32-bit read, into one
 * of those registers, of a vGIC register whose value needs no interrupt state
 * (vgic_fast_read), and the first touch of a page of on-demand RAM (vm_fault_in; the full
 * path would only retry the access). The exit and MMIO counts go up as on the full path.
 * False: take the full path (decode_data_abort), which sees the same abort. */
static __attribute__((noinline)) bool fast_fault_in(struct vcpu *vcpu, u64 ipa)
{
    if (!vm_fault_in(vcpu->vm, gpa(ipa)))
        return false;
    vcpu->stats.exits++;
    return true;
}

bool vcpu_arch_fast_abort_high(struct vcpu *vcpu, struct guest_regs *r, u64 esr, u64 ipa); /* fast_abort_high.S */
bool fast_abort_store(struct vcpu *vcpu, struct guest_regs *r, u64 esr, u64 ipa);

/* The console UART's polling (vconsole_fast_mmio): a Linux boot console reads UARTFR and
 * writes UARTDR (from a register that may be one of x19-x29) for every character it prints.
 * Reached by a tail call only (from vcpu_arch_fast_abort), so x19-x29 still hold the
 * guest's values at its entry, and again at its own forced tail call to
 * vcpu_arch_fast_abort_high, which saves them. The abort comes as its syndrome and address
 * (scalars: vcpu_arch_fast_abort keeps no frame, its vGIC read stays as short as it was). */
static __attribute__((noinline)) bool fast_console(struct vcpu *vcpu, struct guest_regs *r, u64 esr, u64 ipa)
{
    if (!vconsole_mmio_at(__atomic_load_n(&vcpu->vm->console, __ATOMIC_RELAXED), gpa(ipa)))
        return false; /* (other devices' accesses pay only this) */
    /* (the syndrome's bits tested directly: dabt_decode's other fields are not needed yet) */
    u32 reg = (esr >> 16) & 0x1f;
    if (!(esr & DABT_ISV) || (esr & DABT_S1PTW))
        return false;
    if (reg >= 19 && reg < 30) {
        if (!(esr & DABT_WNR))
            return false; /* (the fast return does not reload x19-x29) */
        __attribute__((musttail)) return vcpu_arch_fast_abort_high(vcpu, r, esr, ipa);
    }
    return fast_abort_store(vcpu, r, esr, ipa);
}

/* With the guest's source register in *r (x19-x29: saved by fast_abort_high.S). */
bool fast_abort_store(struct vcpu *vcpu, struct guest_regs *r, u64 esr, u64 ipa)
{
    u64 t0 = arch_counter_relaxed(); /* (vm stats: the console's time is the hypervisor's) */
    struct dabt d;
    dabt_decode(esr, ipa, ipa >> 8, &d);
    u64 val = d.write && d.reg != 31 ? r->x[d.reg] : 0;
    if (d.write && d.width < 8)
        val &= (1ull << (d.width * 8)) - 1;
    struct vconsole *vc = __atomic_load_n(&vcpu->vm->console, __ATOMIC_RELAXED); /* (NULL once detached) */
    if (!vc || !vconsole_fast_mmio(vc, gpa(ipa), d.width, d.write, &val))
        return false;
    if (!d.write && d.reg != 31)
        r->x[d.reg] = dabt_load_value(&d, val);
    write_sysreg(elr_el2, read_sysreg(elr_el2) + 4);
    vcpu->stats.mmio++;
    vcpu->stats.exits++;
    vcpu_note_fast_exit(vcpu, t0, arch_counter_relaxed());
    return true;
}

bool vcpu_arch_fast_abort(struct guest_regs *r)
{
    struct vcpu *vcpu = (struct vcpu *)((char *)r - __builtin_offsetof(struct vcpu, arch.regs));
    struct dabt d;
    u64 val, esr = read_sysreg(esr_el2);
    dabt_decode(esr, read_sysreg(far_el2), read_sysreg(hpfar_el2), &d);
    if (!dabt_translation_fault(&d))
        return false;
    /* (a tail call, so that the MMIO read below needs no stack frame) */
    if (!d.valid || d.write || d.s1ptw || (d.reg >= 19 && d.reg < 30) ||
        !vgic_fast_read(vcpu->vm, d.ipa, d.width, &val)) {
        /* On-demand RAM's first touch, or else perhaps the console UART (no frame here, so
         * that fast_console finds x19-x29 as the guest left them). */
        if (d.ipa < vcpu->vm->demand_hi && d.ipa >= vcpu->vm->demand_lo)
            return fast_fault_in(vcpu, d.ipa);
        return fast_console(vcpu, r, esr, d.ipa);
    }
    if (d.reg != 31)
        r->x[d.reg] = dabt_load_value(&d, val);
    write_sysreg(elr_el2, read_sysreg(elr_el2) + 4);
    vcpu->stats.mmio++;
    vcpu->stats.exits++;
    return true;
}

/* ISS of a trapped MSR/MRS: Op0[21:20] Op2[19:17] Op1[16:14] CRn[13:10] Rt[9:5] CRm[4:1] read[0]. */
#define SYSREG_KEY(op0, op1, crn, crm, op2) (((op0) << 16) | ((op1) << 12) | ((crn) << 8) | ((crm) << 4) | (op2))
#define ICC_SGI1R_KEY SYSREG_KEY(3, 0, 12, 11, 5)
#define ICC_ASGI1R_KEY SYSREG_KEY(3, 0, 12, 11, 6)
#define ICC_SGI0R_KEY SYSREG_KEY(3, 0, 12, 11, 7)

/* Called from the exit vector (guest_switch.S) on a trapped system-register access, with the
 * guest's x0-x18 and x30 saved in *r (as vcpu_arch_fast_abort): an ICC_SGI1R_EL1 write from one
 * of those registers, to other vCPUs only, is sent here and the guest resumes at once (the
 * full path would do nothing more: the sender's own interrupt state is unchanged). False: the
 * full path (decode_sysreg), with nothing sent. */
bool vcpu_arch_fast_sysreg(struct guest_regs *r)
{
    struct vcpu *vcpu = (struct vcpu *)((char *)r - __builtin_offsetof(struct vcpu, arch.regs));
    u32 iss = ESR_ISS(read_sysreg(esr_el2));
    u32 rt = (iss >> 5) & 0x1f;
    /* ISS: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], a read [0]:
     * everything but Rt compared at once with an ICC_SGI1R_EL1 write's. */
    if ((iss & ~(0x1fu << 5)) != (3u << 20 | 5u << 17 | 0u << 14 | 12u << 10 | 11u << 1) || (rt >= 19 && rt < 30) ||
        !vcpu->vm->arch.vgic.present ||
        !vgic_send_sgi_to_others(vcpu, rt == 31 ? 0 : r->x[rt]))
        return false;
    write_sysreg(elr_el2, read_sysreg(elr_el2) + 4);
    vcpu->stats.exits++;
    return true;
}

static void decode_sysreg(struct vcpu *vcpu, u64 esr, struct vcpu_exit *exit)
{
    u32 iss = ESR_ISS(esr);
    u32 key = SYSREG_KEY((iss >> 20) & 3, (iss >> 14) & 7, (iss >> 10) & 0xf, (iss >> 1) & 0xf, (iss >> 17) & 7);
    u32 rt = (iss >> 5) & 0x1f;
    bool read = iss & 1;
    u64 val = rt == 31 ? 0 : vcpu->arch.regs.x[rt];
    exit->reason = VCPU_EXIT_NONE;
    if (key == ICC_SGI1R_KEY && !read && vcpu->vm->arch.vgic.present) {
        /* Sent only to others (kicked if they must resync): nothing for this vCPU's run loop to
         * sync or flush, it goes straight back to its guest. */
        if (!vgic_send_sgi(vcpu, val))
            exit->reason = VCPU_EXIT_RETRY;
    } else if ((key & ~7u) == SYSREG_KEY(3, 3, 14, 2, 0) && vtimer_sysreg(vcpu, key & 7, read, &val)) {
        if (read && rt != 31)
            vcpu->arch.regs.x[rt] = val;
        exit->reason = VCPU_EXIT_TIMER; /* the scheduler re-arms its timer */
    } else if ((key & ~0xffu) == SYSREG_KEY(3, 0, 0, 0, 0) && ((key >> 4) & 0xf) >= 1 && read) {
        /* ID registers, trapped only for VMs whose GIC has no system-register interface */
        if (rt != 31)
            vcpu->arch.regs.x[rt] = vcpu_arch_id_reg((key >> 4) & 0xf, key & 7, false);
    } else if ((key == ICC_SGI0R_KEY || key == ICC_ASGI1R_KEY) && !read) {
        /* Group 0 and alternate-group SGIs do not exist for a Group-1-only vGIC: ignored. */
    } else {
        vcpu_exit_fault(exit, 0, false, "trapped %s of system register op0=%u op1=%u CRn=%u CRm=%u op2=%u",
              read ? "read" : "write", (iss >> 20) & 3, (iss >> 14) & 7, (iss >> 10) & 0xf, (iss >> 1) & 0xf,
              (iss >> 17) & 7);
        return;
    }
    vcpu->arch.regs.pc += 4;
}

#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_OWNER(fid) (((fid) >> 24) & 0x3f)
#define SMCCC_OWNER_VENDOR_HYP 6
#define SMCCC_OWNER_STANDARD 4

static void handle_smccc(struct vcpu *vcpu, struct vcpu_exit *exit)
{
    struct guest_regs *r = &vcpu->arch.regs;
    u32 fid = (u32)r->x[0];
    exit->reason = VCPU_EXIT_NONE;
    if (SMCCC_OWNER(fid) == SMCCC_OWNER_VENDOR_HYP && (fid & 0x80000000u)) {
        exit->reason = VCPU_EXIT_HYPERCALL;
        exit->hypercall.nr = fid & 0xffff;
        for (int i = 0; i < 5; i++)
            exit->hypercall.args[i] = r->x[i + 1];
        return;
    }
    if (r->x[0] <= HC_AXVISOR_LAST) { /* axvisor's own form: x0 = the bare code */
        exit->reason = VCPU_EXIT_HYPERCALL;
        exit->hypercall.nr = r->x[0];
        for (int i = 0; i < 5; i++)
            exit->hypercall.args[i] = r->x[i + 1];
        return;
    }
    if (SMCCC_OWNER(fid) == SMCCC_OWNER_STANDARD && vpsci_handle(vcpu, fid))
        return;
    if (fid == SMCCC_VERSION) {
        r->x[0] = 0x10001; /* SMCCC 1.1 */
        return;
    }
    LOG_AT(LOG_DEBUG, (long)vcpu->vm->id, "vcpu%u: unsupported SMCCC function %#x", vcpu->id, fid);
    r->x[0] = (u64)(s64)PSCI_NOT_SUPPORTED;
}

static void decode_sync(struct vcpu *vcpu, struct vcpu_exit *exit)
{
    u64 esr = read_sysreg(esr_el2);
    u32 ec = ESR_EC(esr);
    switch (ec) {
    case EC_HVC64:
        handle_smccc(vcpu, exit);
        return;
    case EC_SMC64:
        vcpu->arch.regs.pc += 4; /* a trapped SMC returns to itself */
        handle_smccc(vcpu, exit);
        return;
    case EC_DABT_LOW:
        decode_data_abort(vcpu, esr, exit);
        return;
    case EC_WFX:
        if (gic_host_version == 2)
            gic_v2_refresh(); /* (vtimer_after_v2_tick: a timer line left high is signalled) */
        vcpu->arch.regs.pc += (esr & ESR_IL) ? 4 : 2;
        exit->reason = (esr & 1) ? VCPU_EXIT_YIELD : VCPU_EXIT_HALT;
        return;
    case EC_IABT_LOW: {
        u64 far = read_sysreg(far_el2), hpfar = read_sysreg(hpfar_el2);
        u64 ipa = ((hpfar & 0xfffffffffff0ull) << 8) | (far & 0xfff);
        if ((esr & 0x3c) == 0x04 && vm_fault_in(vcpu->vm, gpa(ipa))) {
            exit->reason = VCPU_EXIT_RETRY;
            return;
        }
        vcpu_exit_fault(exit, ipa, true, "instruction fetch outside guest memory");
        if ((esr & 0x3c) == 0x04 && !(esr & (1u << 7))) { /* nothing mapped there (not a table walk) */
            vcpu->arch.abort_pc = vcpu->arch.regs.pc;
            exit->fault.abortable = true;
            exit->fault.instruction = true;
            exit->fault.va = far;
        }
        return;
    }
    case EC_SYSREG:
        decode_sysreg(vcpu, esr, exit);
        return;
    default:
        vcpu_exit_fault(exit, 0, false, "unexpected trap: EC %#x, ESR %#llx", ec, (unsigned long long)esr);
        return;
    }
}

/* The wake-up IPI, taken while this vCPU runs: another CPU made interrupts deliverable to it
 * (an SGI from a vCPU of its VM, usually). When the run loop has nothing else to do for it (no
 * exit or reap requested, the VM running), the interrupts go straight into the list registers
 * (vgic_kick_direct) and the guest resumes without the sync, flush and run-loop pass. False:
 * the full path (which finds the kick taken already, and its requests, if any, still set).
 * For a VM whose vGIC delivers through list registers. */
static bool kick_direct(struct vcpu *vcpu, u32 iar, bool v3)
{
    if (v3) { /* (inline: EOImode 1, the priority drop and the deactivation) */
        gicv3_eoi(iar);
        gicv3_deactivate(iar);
    } else {
        gic_end(iar);
    }
    return !sched_requests_pending(vcpu->pcpu) && !vcpu->vm->paused &&
           __atomic_load_n(&vcpu->vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING && vcpu->state == VCPU_RUNNABLE &&
           vgic_kick_direct(vcpu);
}

#define FAST_IRQ_NOT_TAKEN 0xffffffffu /* the exit vector did not acknowledge the interrupt */

/* The interrupt that brought the guest out, acknowledged: the timer's tick or the wake-up IPI
 * (their IAR value), or another one, handled as irq_dispatch would (GIC_SPURIOUS_FIRST).
 * Inline on a GICv3 host; taken: what the exit vector acknowledged already (its steady-tick
 * check, on either host GIC). */
static inline u32 tick_or_kick(u32 iar)
{
    return (iar & 0x3ff) == VTIMER_INTID || (iar & 0x3ff) == IRQ_IPI_WAKEUP ? iar : gic_handle_taken(iar);
}

/* (Out of line: the GICv3 host's path stays as short as it was.) */
static __attribute__((noinline)) u32 take_tick_or_kick_v2(u32 taken)
{
    return taken == FAST_IRQ_NOT_TAKEN ? gic_take_either(VTIMER_INTID, IRQ_IPI_WAKEUP) : tick_or_kick(taken);
}

static inline u32 take_tick_or_kick(bool v3, u32 taken)
{
    if (!v3)
        return take_tick_or_kick_v2(taken);
    u32 iar = taken != FAST_IRQ_NOT_TAKEN ? taken & 0xffffff : gicv3_ack();
    return (iar & 0x3ff) == VTIMER_INTID || (iar & 0x3ff) == IRQ_IPI_WAKEUP ? iar : gic_handle_taken(iar);
}

/* Called from the exit vector (guest_switch.S) on an interrupt taken from the guest, with the
 * guest's x0-x18 and x30 saved in *r (as vcpu_arch_fast_abort): the virtual timer's tick for
 * this vCPU and a kick delivering SGIs to it are served here when the run loop would do nothing
 * more (vgic_hw_line_raised_direct, kick_direct), and the guest resumes at once, without the rest of the
 * register file, vcpu_arch_run or the run loop. Whatever else the run loop must see comes with
 * an interrupt of its own, which stays pending and brings the guest out again at once: another
 * pCPU ending the VM or asking for an exit sends the wake-up IPI (sched_vm_ending,
 * sched_request_exit; kick_direct, which consumes it, checks those requests), and a handler run
 * on this pCPU meanwhile (gic_take_either found another interrupt first) makes this a full exit. False:
 * a full IRQ exit (vtimer_tick_slow may have done the full path's work for the tick already). */
bool vcpu_arch_fast_irq(struct guest_regs *r, u32 taken)
{
    struct vcpu *vcpu = (struct vcpu *)((char *)r - __builtin_offsetof(struct vcpu, arch.regs));
    const struct vgic *g = &vcpu->vm->arch.vgic;
    /* (Never with an interrupt taken by the vector: it takes one only for a steady-tick word,
     * which only a VM with list-register delivery has.) */
    if (!g->present || g->delivery != VGIC_DELIVER_LR || g->passthrough)
        return false;
    const bool v3 = gic_host_version == 3; /* (read once: the calls below could change it, for all C knows) */
    u32 iar = take_tick_or_kick(v3, taken);
    u32 intid = iar & 0x3ff; /* (GICv2: the sender's CPU number above) */
    bool direct;
    if (intid == VTIMER_INTID) {
        /* The tick: straight into a list register (kept active at the host till the guest's
         * deactivation, through the list register's link: only the priority drop here). */
        direct = vgic_hw_line_raised_direct(vcpu, VTIMER_INTID);
        if (!direct)
            vtimer_tick_slow(vcpu);
        if (!v3)
            vtimer_after_v2_tick(vcpu);
        if (v3)
            gicv3_eoi(iar);
        else
            gic_eoi(iar);
    } else {
        direct = intid == IRQ_IPI_WAKEUP && kick_direct(vcpu, iar, v3);
    }
    if (!direct)
        return false;
    vcpu->stats.irqs++;
    vcpu->stats.exits++;
    return true;
}

void vcpu_arch_run(struct vcpu *vcpu, struct vcpu_exit *exit)
{
    u64 kind = vcpu_arch_enter(&vcpu->arch.regs);
    vcpu->stats.exits++;
    switch (kind) {
    case 0:
        decode_sync(vcpu, exit);
        break;
    case 1: /* (what needs no run-loop pass was served in the exit vector: vcpu_arch_fast_irq) */
        exit->reason = VCPU_EXIT_IRQ;
        break;
    default:
        vcpu_exit_fault(exit, 0, false, "%s taken to EL2 (ESR %#llx)", kind == 2 ? "FIQ" : "SError",
              (unsigned long long)read_sysreg(esr_el2));
        break;
    }
}

static void maintenance_irq(u32 intid, void *arg)
{
    /* Nothing to do here: the exit it caused makes the run loop sync and refill the list
     * registers; flush re-enables the underflow interrupt only while interrupts are left over. */
    (void)intid, (void)arg;
    vgic_hcr_write(true, false);
}
