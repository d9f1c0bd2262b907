/* GICv2 test guest (2 CPUs, EL1), written against the GICv2 registers of QEMU's virt layout:
 * distributor at 0x0800_0000, CPU interface at 0x0801_0000. It prints only through the PL011
 * at 0x0900_0000, so the same binary runs on bare QEMU (-M virt,gic-version=2) and under cvisor
 * (configs/vms/gicv2-aarch64.toml, which emulates the GIC and the PL011).
 *
 * Each CPU programs its banked SGI/PPI state, runs the EL1 virtual timer (PPI 27) every 10 ms,
 * then the CPUs exchange SGIs through GICD_SGIR and CPU0 tries split priority drop/deactivate
 * (GICC_CTLR.EOImode). CPU0 ends three ticks first with the timer's line still high and waits,
 * in WFI, for the interrupt to come again. Only CPU0 prints, except for the once-per-CPU GICC_RPR check in the
 * interrupt handler; CPU1 leaves its results in shared memory. Ends with "gicv2: PASS" or
 * "gicv2: FAIL <reason>" and PSCI SYSTEM_OFF. */
#include "guest.h"
#include <drivers/gic_regs.h>

#define GICD_BASE 0x08000000ul /* register offsets: <drivers/gic_regs.h> */
#define GICC_BASE 0x08010000ul

#define INTID_SGI_TO_CPU1 1
#define INTID_SGI_TO_CPU0 2
#define INTID_VTIMER 27
#define INTID_SPURIOUS 1023
#define IRQ_PRIO 0xa0
#define IDLE_PRIO 0xff
#define PMR_VALUE 0xf0

/* What can go wrong when ending an interrupt (cpu_state.eoi_errors bits). */
#define EOI_STILL_ACTIVE 1u  /* EOImode 0: active after EOIR */
#define EOI_NOT_ACTIVE 2u    /* EOImode 1: deactivated by EOIR already */
#define EOI_NO_DROP 4u       /* EOImode 1: GICC_RPR not idle after EOIR */
#define EOI_DIR_NO_EFFECT 8u /* EOImode 1: still active after GICC_DIR */

#define TICKS_BEFORE_SGIS 10
#define HELD_FIRST 3 /* cpu0: ticks 3 to 5 are first ended with the timer's line still high */
#define HELD_TICKS 3
#define SGI_ROUNDS 5
#define SPLIT_EOI_TICKS 3
#define RUN_LIMIT_S 3

/* EL1 vector table: IRQs from EL1 (SP_EL1) go to gicv2_irq() with the caller-saved registers
 * saved; every other exception is reported by gicv2_fatal(). */
__asm__(".macro gicv2_bad_vector n\n"
        "    .balign 0x80\n"
        "    mov x0, #\\n\n"
        "    b gicv2_vec_fatal\n"
        ".endm\n"
        "    .section .text.gicv2_vectors, \"ax\"\n"
        "    .balign 2048\n"
        "    .global gicv2_vectors\n"
        "gicv2_vectors:\n"
        "    .irp n, 0, 1, 2, 3, 4\n"
        "    gicv2_bad_vector \\n\n"
        "    .endr\n"
        "    .balign 0x80\n" /* current EL, SP_ELx, IRQ */
        "    b gicv2_irq_entry\n"
        "    .irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        "    gicv2_bad_vector \\n\n"
        "    .endr\n"
        "    .text\n"
        "gicv2_vec_fatal:\n"
        "    mrs x1, esr_el1\n"
        "    mrs x2, elr_el1\n"
        "    bl gicv2_fatal\n"
        "gicv2_irq_entry:\n"
        "    sub sp, sp, #176\n"
        "    stp x0, x1, [sp, #0]\n"
        "    stp x2, x3, [sp, #16]\n"
        "    stp x4, x5, [sp, #32]\n"
        "    stp x6, x7, [sp, #48]\n"
        "    stp x8, x9, [sp, #64]\n"
        "    stp x10, x11, [sp, #80]\n"
        "    stp x12, x13, [sp, #96]\n"
        "    stp x14, x15, [sp, #112]\n"
        "    stp x16, x17, [sp, #128]\n"
        "    stp x18, x29, [sp, #144]\n"
        "    str x30, [sp, #160]\n"
        "    bl gicv2_irq\n"
        "    ldp x0, x1, [sp, #0]\n"
        "    ldp x2, x3, [sp, #16]\n"
        "    ldp x4, x5, [sp, #32]\n"
        "    ldp x6, x7, [sp, #48]\n"
        "    ldp x8, x9, [sp, #64]\n"
        "    ldp x10, x11, [sp, #80]\n"
        "    ldp x12, x13, [sp, #96]\n"
        "    ldp x14, x15, [sp, #112]\n"
        "    ldp x16, x17, [sp, #128]\n"
        "    ldp x18, x29, [sp, #144]\n"
        "    ldr x30, [sp, #160]\n"
        "    add sp, sp, #176\n"
        "    eret\n");

extern char gicv2_vectors[];
void gicv2_irq(void);
void gicv2_fatal(u64 vector, u64 esr, u64 elr) __attribute__((noreturn));

#define READ_SYSREG(name)                                                                          \
    ({                                                                                             \
        u64 v_;                                                                                    \
        __asm__ volatile("mrs %0, " name : "=r"(v_));                                              \
        v_;                                                                                        \
    })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " name ", %0\n isb" ::"r"((u64)(v)) : "memory")

static inline void irqs_on(void) { __asm__ volatile("msr daifclr, #2\n isb" ::: "memory"); }
static inline void irqs_off(void) { __asm__ volatile("msr daifset, #2\n isb" ::: "memory"); }
static inline void dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline u32 gicd_read(u32 off) { return *(volatile u32 *)(GICD_BASE + off); }
static inline void gicd_write(u32 off, u32 v) { *(volatile u32 *)(GICD_BASE + off) = v; }
static inline u32 gicc_read(u32 off) { return *(volatile u32 *)(GICC_BASE + off); }
static inline void gicc_write(u32 off, u32 v) { *(volatile u32 *)(GICC_BASE + off) = v; }

/* State of one CPU. The MMU is off, so memory is Device (uncached): volatile plus DSB suffice.
 * Every field is written by its own CPU only, the other one just reads it. */
enum phase { PHASE_NONE, PHASE_GIC_READY, PHASE_TICKED, PHASE_STOPPED };
struct cpu_state {
    volatile u32 phase;
    volatile u32 target_mask; /* this CPU's bit in the banked GICD_ITARGETSR0..7 */
    volatile u32 ticks;       /* virtual-timer interrupts taken */
    u64 held_at, held_worst;  /* cpu0: a tick ended with the line high, and the longest wait for it again */
    volatile u32 held_count;
    volatile u32 sgis;        /* SGIs taken */
    volatile int sgi_from;    /* IAR CPUID field of the last SGI, -1 before any */
    volatile u32 sender_mismatches, unexpected;
    volatile u32 rpr_checked;
    volatile u32 split_eoi;    /* the handler ends interrupts with EOIR + DIR */
    volatile u32 split_ticks;  /* timer interrupts ended that way */
    volatile u32 eoi_errors;   /* EOI_* bits: what went wrong when ending an interrupt */
    const char *volatile fail; /* first failed check, */
    volatile u64 fail_time;    /* and when: the earlier of the two CPUs' failures is the cause */
};

static struct cpu_state cpus[2];
static volatile u64 deadline; /* counter value at which the run counts as hung */
static volatile u32 stop_timers;
static u64 timer_period;

static u32 this_cpu(void) { return (u32)READ_SYSREG("tpidr_el1"); }
static u32 ncpus = 2; /* 1 when the VM has a single vCPU: SGIs then go to itself */
static u32 peer_of(u32 cpu) { return ncpus == 1 ? cpu : cpu ^ 1; }
static u32 sgi_for(u32 cpu) { return cpu == 0 ? INTID_SGI_TO_CPU0 : INTID_SGI_TO_CPU1; }
static int interface_number(u32 mask) { return mask ? __builtin_ctz(mask) : -1; }

/* Keeps the first failure of each CPU; returns ok so checks read as `if (!check(...))`. */
static bool check(u32 cpu, bool ok, const char *reason)
{
    if (!ok && !cpus[cpu].fail) {
        cpus[cpu].fail_time = guest_counter();
        dsb();
        cpus[cpu].fail = reason;
    }
    return ok;
}

static bool wfi(void)
{
    __asm__ volatile("wfi" ::: "memory");
    return true;
}

/* Waits for *value >= want; fails with reason at the run deadline, or at once when the peer
 * has failed (it may never get there). Its own timer ticks are waited for in WFI (the timer wakes
 * it at least every period): a line left high at an EOI must be signalled again to a sleeping CPU. */
static bool wait_for(u32 cpu, volatile u32 *value, u32 want, const char *reason)
{
    while (*value < want && (value != &cpus[cpu].ticks || wfi()))
        if (guest_counter() > deadline || cpus[peer_of(cpu)].fail)
            return check(cpu, false, reason);
    return true;
}

void gicv2_fatal(u64 vector, u64 esr, u64 elr)
{
    uart_printf("gicv2: FAIL unexpected exception on cpu%u: vector %llu, ESR %#llx, ELR %#llx\n", this_cpu(),
                (unsigned long long)vector, (unsigned long long)esr, (unsigned long long)elr);
    guest_system_off();
}

void gicv2_irq(void)
{
    u32 me = this_cpu();
    struct cpu_state *st = &cpus[me];
    u32 iar = gicc_read(GICC_IAR);
    u32 intid = iar & 0x3ff;
    if (intid >= 1020) /* spurious: nothing to end */
        return;
    if (!st->rpr_checked) { /* the running priority is now the one of the interrupt taken */
        st->rpr_checked = 1;
        u32 rpr = gicc_read(GICC_RPR);
        if (!check(me, rpr == IRQ_PRIO, "GICC_RPR in the handler is not the interrupt's priority"))
            uart_printf("gicv2: cpu%u GICC_RPR=%#x in the handler of INTID %u, expected %#x\n", me, rpr,
                        intid, IRQ_PRIO);
    }
    bool is_timer = intid == INTID_VTIMER;
    if (is_timer && me == 0 && st->ticks >= HELD_FIRST && st->ticks < HELD_FIRST + HELD_TICKS && !st->held_at) {
        /* Ended with its line still high: a level-sensitive interrupt, it must come again at once. */
        st->held_at = guest_counter();
    } else if (is_timer) {
        if (st->held_at) {
            u64 d = guest_counter() - st->held_at;
            st->held_worst = d > st->held_worst ? d : st->held_worst;
            st->held_at = 0;
            st->held_count++;
        }
        /* Level-triggered: moving the compare value past now lowers the line before the EOI. */
        WRITE_SYSREG("cntv_cval_el0", READ_SYSREG("cntv_cval_el0") + timer_period);
        st->ticks++;
    } else if (intid == sgi_for(me)) {
        int sender = (int)(iar >> 10 & 7);
        if (sender != interface_number(cpus[peer_of(me)].target_mask))
            st->sender_mismatches++;
        st->sgi_from = sender;
        st->sgis++;
    } else {
        st->unexpected++;
    }
    bool split = st->split_eoi;
    gicc_write(GICC_EOIR, iar);
    /* EOImode 0: EOIR also deactivates. EOImode 1: only the priority drops, the interrupt stays
     * active until GICC_DIR. */
    bool active = gicd_read(GICD_ISACTIVER) >> intid & 1;
    if (intid < 32 && active != split)
        st->eoi_errors |= split ? EOI_NOT_ACTIVE : EOI_STILL_ACTIVE;
    if (split) {
        if (gicc_read(GICC_RPR) != IDLE_PRIO)
            st->eoi_errors |= EOI_NO_DROP;
        gicc_write(GICC_DIR, iar);
        if (gicd_read(GICD_ISACTIVER) >> intid & 1)
            st->eoi_errors |= EOI_DIR_NO_EFFECT;
        if (is_timer)
            st->split_ticks++;
    }
}

/* Banked distributor state (INTIDs 0-31) and the CPU interface of the calling CPU. */
static bool gic_cpu_setup(u32 me)
{
    u32 mask = gicd_read(GICD_ITARGETSR) & 0xff;
    for (u32 reg = 0; reg < 8; reg++) /* every byte reads as this CPU's own mask */
        if (!check(me, gicd_read(GICD_ITARGETSR + 4 * reg) == mask * 0x01010101u,
                   "GICD_ITARGETSR0..7 bytes differ"))
            return false;
    /* A uniprocessor GIC's ITARGETSR reads as zero (IHI 0048B 4.3.12): then CPU interface 0. */
    if (ncpus == 1 && mask == 0)
        mask = 1;
    if (!check(me, mask && !(mask & (mask - 1)), "GICD_ITARGETSR mask is not a single CPU"))
        return false;
    cpus[me].target_mask = mask;

    static const u32 used[] = {INTID_SGI_TO_CPU1, INTID_SGI_TO_CPU0, INTID_VTIMER};
    u32 enable = 0;
    for (u32 i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
        u32 off = GICD_IPRIORITYR + used[i] / 4 * 4, shift = used[i] % 4 * 8;
        gicd_write(off, (gicd_read(off) & ~(0xffu << shift)) | (u32)IRQ_PRIO << shift);
        if (!check(me, (gicd_read(off) >> shift & 0xff) == IRQ_PRIO, "GICD_IPRIORITYR did not take 0xa0"))
            return false;
        enable |= 1u << used[i];
    }
    gicd_write(GICD_ISENABLER, enable);
    if (!check(me, (gicd_read(GICD_ISENABLER) & enable) == enable, "GICD_ISENABLER did not enable"))
        return false;

    gicc_write(GICC_PMR, PMR_VALUE);
    gicc_write(GICC_BPR, 0);
    gicc_write(GICC_CTLR, GICC_CTLR_ENABLE);
    if (!check(me, gicc_read(GICC_PMR) == PMR_VALUE, "GICC_PMR did not take 0xf0"))
        return false;

    /* Interrupts are masked in PSTATE and nothing is pending yet (the timer is off). */
    if (!check(me, gicc_read(GICC_RPR) == IDLE_PRIO, "GICC_RPR is not 0xff while idle"))
        return false;
    u32 iar = gicc_read(GICC_IAR);
    if ((iar & 0x3ff) != INTID_SPURIOUS)
        gicc_write(GICC_EOIR, iar); /* took something: end it before failing */
    return check(me, (iar & 0x3ff) == INTID_SPURIOUS, "GICC_IAR is not 1023 with nothing pending");
}

static void timer_start(void)
{
    WRITE_SYSREG("cntv_cval_el0", guest_counter() + timer_period);
    WRITE_SYSREG("cntv_ctl_el0", 1); /* enabled, not masked */
}

static void timer_stop(void) { WRITE_SYSREG("cntv_ctl_el0", 0); }

/* Both CPUs: SGIs to the peer through GICD_SGIR, one at a time, each until the peer counted it. */
static bool send_sgis(u32 me)
{
    u32 peer = peer_of(me);
    for (u32 i = 0; i < SGI_ROUNDS; i++) {
        u32 want = cpus[peer].sgis + 1;
        dsb();
        if (ncpus == 1)
            gicd_write(GICD_SGIR, 2u << 24 | sgi_for(peer)); /* TargetListFilter 2: to itself */
        else
            gicd_write(GICD_SGIR, cpus[peer].target_mask << 16 | sgi_for(peer)); /* TargetListFilter 0 */
        if (!wait_for(me, &cpus[peer].sgis, want, "timed out waiting for the target to take an SGI"))
            return false;
    }
    return true;
}

/* Both CPUs: ticks, then (once both have ticked) the SGI exchange. */
static bool ticks_and_sgis(u32 me)
{
    struct cpu_state *st = &cpus[me];
    timer_start();
    irqs_on();
    if (!wait_for(me, &st->ticks, TICKS_BEFORE_SGIS, "timed out waiting for 10 timer ticks"))
        return false;
    st->phase = PHASE_TICKED;
    if (!wait_for(me, &cpus[peer_of(me)].phase, PHASE_TICKED,
                  "timed out waiting for the peer's 10 timer ticks"))
        return false;
    return send_sgis(me);
}

void guest_secondary_main(u64 vcpu)
{
    (void)vcpu;
    irqs_off();
    timer_stop();
    WRITE_SYSREG("tpidr_el1", 1);
    WRITE_SYSREG("vbar_el1", (u64)(unsigned long)gicv2_vectors);
    if (gic_cpu_setup(1)) {
        cpus[1].phase = PHASE_GIC_READY;
        ticks_and_sgis(1);
    }
    while (!stop_timers) /* CPU0 judges the run; its waits are bounded */
        ;
    timer_stop();
    irqs_off();
    cpus[1].phase = PHASE_STOPPED;
}

/* CPU0: split priority drop / deactivation for a few timer ticks, then back to EOImode 0. */
static bool split_eoi_test(void)
{
    irqs_off();
    gicc_write(GICC_CTLR, GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE);
    bool stuck = gicc_read(GICC_CTLR) & GICC_CTLR_EOIMODE;
    cpus[0].split_eoi = stuck;
    irqs_on();
    if (!check(0, stuck, "GICC_CTLR.EOImode does not stick"))
        return false;
    bool ok = wait_for(0, &cpus[0].split_ticks, SPLIT_EOI_TICKS,
                       "timed out waiting for 3 timer ticks with EOImode 1");
    irqs_off();
    cpus[0].split_eoi = 0;
    gicc_write(GICC_CTLR, GICC_CTLR_ENABLE);
    irqs_on();
    return ok;
}

/* Why the run failed, or NULL. Wrong results seen by the handlers come first: they usually
 * explain a later timeout. Else the earlier of the CPUs' failed checks. */
static const char *verdict(u64 elapsed)
{
    static char reason[128];
    for (u32 cpu = 0; cpu < ncpus; cpu++) {
        const struct cpu_state *st = &cpus[cpu];
        u32 eoi = st->eoi_errors;
        const char *why = st->sender_mismatches ? "SGI CPUID field is not the sender's CPU interface number"
                          : st->unexpected ? "unexpected INTID taken"
                          : eoi & EOI_STILL_ACTIVE ? "GICD_ISACTIVER shows the interrupt active after EOIR"
                          : eoi & EOI_NOT_ACTIVE ? "EOImode 1: EOIR deactivated the interrupt already"
                          : eoi & EOI_NO_DROP ? "EOImode 1: GICC_RPR not 0xff after EOIR"
                          : eoi & EOI_DIR_NO_EFFECT ? "EOImode 1: interrupt still active after GICC_DIR"
                          : NULL;
        if (why) {
            fmt_snprintf(reason, sizeof(reason), "cpu%u: %s", cpu, why);
            return reason;
        }
    }
    u32 first = !cpus[0].fail || (cpus[1].fail && cpus[1].fail_time < cpus[0].fail_time);
    if (cpus[first].fail) {
        fmt_snprintf(reason, sizeof(reason), "cpu%u: %s", first, cpus[first].fail);
        return reason;
    }
    for (u32 cpu = 0; cpu < ncpus; cpu++)
        if (cpus[cpu].sgis != SGI_ROUNDS ||
            cpus[cpu].sgi_from != interface_number(cpus[peer_of(cpu)].target_mask))
            return "SGI count or sender wrong";
    if (elapsed > RUN_LIMIT_S * guest_counter_freq())
        return "run took longer than 3 s";
    return NULL;
}

void guest_main(u64 dtb)
{
    (void)dtb;
    irqs_off();
    timer_stop();
    WRITE_SYSREG("tpidr_el1", 0);
    WRITE_SYSREG("vbar_el1", (u64)(unsigned long)gicv2_vectors);
    u64 start = guest_counter(), freq = guest_counter_freq();
    timer_period = freq / 100; /* 10 ms */
    deadline = start + RUN_LIMIT_S * freq;
    cpus[0].sgi_from = cpus[1].sgi_from = -1;

    gicd_write(GICD_CTLR, 0);
    u32 typer = gicd_read(GICD_TYPER);
    ncpus = (typer >> 5 & 7) + 1 >= 2 ? 2 : 1;
    uart_printf("gicv2: GICD_TYPER=%#x: %u cpus, %u lines\n", typer, (typer >> 5 & 7) + 1, 32 * ((typer & 0x1f) + 1));
    bool ok = gic_cpu_setup(0);
    gicd_write(GICD_CTLR, 1);
    if (ok && ncpus == 2) {
        long r = guest_cpu_on(1, 1);
        ok = check(0, r == 0, "PSCI CPU_ON of cpu1 failed") &&
             wait_for(0, &cpus[1].phase, PHASE_GIC_READY, "timed out waiting for cpu1 to set up its GIC");
        uart_printf("gicv2: ITARGETSR masks cpu0=%#x cpu1=%#x\n", cpus[0].target_mask, cpus[1].target_mask);
        ok = ok && check(0, cpus[0].target_mask != cpus[1].target_mask,
                         "both CPUs read the same GICD_ITARGETSR mask");
    }
    if (ok && ticks_and_sgis(0) &&
        wait_for(0, &cpus[0].sgis, SGI_ROUNDS, "timed out waiting for cpu1's SGIs") && split_eoi_test())
        uart_printf("gicv2: split EOI: %u ticks ended with EOIR + DIR\n", cpus[0].split_ticks);

    stop_timers = 1;
    timer_stop();
    irqs_off();
    if (cpus[1].phase >= PHASE_GIC_READY) { /* let it stop (even after a failure) */
        u64 stop_by = guest_counter() + freq / 10;
        while (cpus[1].phase < PHASE_STOPPED && guest_counter() <= stop_by)
            ;
        check(0, cpus[1].phase == PHASE_STOPPED, "cpu1 did not stop");
    }
    u64 elapsed = guest_counter() - start;
    uart_printf("gicv2: cpu0 timer ended with its line high %u times, taken again after at most %llu us\n",
                cpus[0].held_count, (unsigned long long)(cpus[0].held_worst * 1000000 / freq));
    for (u32 cpu = 0; cpu < ncpus; cpu++)
        uart_printf("gicv2: cpu%u timer=%u sgi=%u from=%d \n", cpu, cpus[cpu].ticks, cpus[cpu].sgis,
                    cpus[cpu].sgi_from);
    const char *reason = verdict(elapsed);
    if (reason)
        uart_printf("gicv2: FAIL %s\n", reason);
    else
        uart_printf("gicv2: PASS\n");
    guest_system_off();
}
