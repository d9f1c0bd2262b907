/* Test guest: what a machine gives a guest, where cvisor used to give something else.
 *
 *  - Level-sensitive interrupts drop with their source. The EL1 virtual timer fires with IRQs
 *    masked; the guest then stops it (ENABLE = 0, IMASK = 1, CVAL moved ahead), and INTID 27
 *    must no longer read as pending (ISPENDR0, HPPIR) nor be taken once IRQs are unmasked; after each, the timer must still fire (the physical PPI held for the
 *    guest was released). The same for the PL011's receive interrupt (SPI 33) when the guest
 *    drains the FIFO: here IRQs are unmasked straight after the read, with no other trap.
 *    Steady ticks, then INTID 27 disabled or its priority put under the mask between two of
 *    them: the next tick must wait for it to be enabled or its priority put back.
 *  - invalid_access = "abort" (its config): an instruction fetch from unmapped guest-physical
 *    memory, a load pair (no syndrome for the hypervisor), a store pair, a load at EL0 and a
 *    load from AArch32 EL0 each land in the synchronous vector for where they came from, with
 *    the exception class, FAR_EL1 and fault status (synchronous external abort) a machine gives.
 *
 * One vCPU. The GIC is whatever the VM has: GICv3 (GICD at 0x0800_0000, GICR at 0x080a_0000,
 * ICC system registers) or GICv2 (GICD at 0x0800_0000, GICC at 0x0801_0000), told apart by
 * GICD_PIDR2 (0xfe8 reads 0x2b on a GICv2; reserved, zero, on a GICv3). Results are printed one
 * line each through the console hypercall; the test (tests/system/test_levels.py) asserts. */
#include "guest.h"
#include <drivers/gic_regs.h>

#define GICD_BASE 0x08000000ul

#define GICR_BASE 0x080a0000ul

#define GICC_BASE 0x08010000ul

#define UART_BASE 0x09000000ul
#define UART_DR 0x000
#define UART_FR 0x018
#define UART_LCR_H 0x02c
#define UART_CR 0x030
#define UART_IMSC 0x038
#define UART_ICR 0x044
#define UART_FR_RXFE (1u << 4)
#define UART_INT_RX (1u << 4)
#define UART_INT_RT (1u << 6)

#define INTID_VTIMER 27
#define INTID_UART 33
#define SPURIOUS 1023u
#define UNMAPPED 0x50000000ul /* past the VM's 16 MiB of RAM at 0x4000_0000; no device there */

#define READ_SYSREG(name)                                                                          \
    ({                                                                                             \
        u64 v_;                                                                                    \
        __asm__ volatile("mrs %0, " name : "=r"(v_));                                              \
        v_;                                                                                        \
    })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " name ", %0\n isb" ::"r"((u64)(v)) : "memory")

static inline u32 rd32(u64 a) { return *(volatile u32 *)a; }
static inline void wr32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline void irqs_on(void) { __asm__ volatile("msr daifclr, #2\n isb" ::: "memory"); }
static inline void irqs_off(void) { __asm__ volatile("msr daifset, #2\n isb" ::: "memory"); }

static bool gicv2;
static volatile u32 taken[64]; /* interrupts acknowledged, by INTID (< 64) */
static volatile u32 spurious;

/* What the last synchronous exception saw, and where to resume after it. */
static volatile u64 sync_vector, sync_esr, sync_far, sync_elr, sync_count;
volatile u64 resume_pc;

/* EL1 vectors: every entry saves the caller-saved registers and calls levels_exception with
 * its offset; for synchronous ones the handler resumes at resume_pc, at EL1 with IRQs masked. */
__asm__(".macro levels_vector off\n"
        "    .balign 0x80\n"
        "    sub sp, sp, #176\n"
        "    stp x0, x1, [sp, #0]\n"
        "    mov x0, #\\off\n"
        "    b levels_vector_common\n"
        ".endm\n"
        "    .section .text.levels_vectors, \"ax\"\n"
        "    .balign 2048\n"
        "    .global levels_vectors\n"
        "levels_vectors:\n"
        "    .irp off, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, "
        "0x680, 0x700, 0x780\n"
        "    levels_vector \\off\n"
        "    .endr\n"
        "    .text\n"
        "levels_vector_common:\n"
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
        "    bl levels_exception\n"
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
        "    ldp x0, x1, [sp, #0]\n"
        "    add sp, sp, #176\n"
        "    eret\n");
extern char levels_vectors[];
void levels_exception(u64 offset);

static u32 gic_ack(void)
{
    return gicv2 ? rd32(GICC_BASE + GICC_IAR) : (u32)READ_SYSREG("s3_0_c12_c12_0"); /* ICC_IAR1_EL1 */
}

static void gic_eoi(u32 iar)
{
    if (gicv2)
        wr32(GICC_BASE + GICC_EOIR, iar);
    else
        WRITE_SYSREG("s3_0_c12_c12_1", iar); /* ICC_EOIR1_EL1 */
}

static u32 gic_hppir(void)
{
    return (gicv2 ? rd32(GICC_BASE + GICC_HPPIR) : (u32)READ_SYSREG("s3_0_c12_c12_2")) & 0x3ff; /* ICC_HPPIR1_EL1 */
}

/* GICR_ISPENDR0 / GICD_ISPENDR0 (banked) for private interrupts, GICD_ISPENDR<n> for SPIs. */
static bool gic_pending(u32 intid)
{
    u64 base = intid < 32 && !gicv2 ? GICR_BASE + GICR_SGI : GICD_BASE;
    return (rd32(base + GICD_ISPENDR + intid / 32 * 4) >> (intid % 32)) & 1;
}

void levels_exception(u64 offset)
{
    if ((offset & 0x180) == 0x080) { /* IRQ */
        u32 iar = gic_ack();
        u32 intid = iar & 0x3ff;
        if (intid >= 1020) {
            spurious++;
            return;
        }
        if (intid < 64)
            taken[intid]++;
        if (intid == INTID_VTIMER)
            WRITE_SYSREG("cntv_ctl_el0", 0); /* served: the line drops */
        if (intid == INTID_UART)
            while (!(rd32(UART_BASE + UART_FR) & UART_FR_RXFE))
                (void)rd32(UART_BASE + UART_DR);
        gic_eoi(iar);
        return;
    }
    if ((offset & 0x180) != 0) { /* FIQ, SError: nothing should send them */
        gprintf("levels: FAIL unexpected exception at vector %#llx, ESR %#llx\n", (unsigned long long)offset,
                (unsigned long long)READ_SYSREG("esr_el1"));
        guest_system_off();
    }
    sync_vector = offset;
    sync_esr = READ_SYSREG("esr_el1");
    sync_far = READ_SYSREG("far_el1");
    sync_elr = READ_SYSREG("elr_el1");
    sync_count++;
    WRITE_SYSREG("elr_el1", resume_pc);
    WRITE_SYSREG("spsr_el1", 0x3c5); /* EL1h, DAIF masked */
}

/* ---- aborts ----------------------------------------------------------------------------------- */

static void report_abort(const char *what, u64 want_far)
{
    u64 esr = sync_esr;
    gprintf("levels: abort %s: count=%llu vector=%#llx ec=%#llx fsc=%#llx wnr=%llu far_ok=%d elr=%#llx\n", what,
            (unsigned long long)sync_count, (unsigned long long)sync_vector, (unsigned long long)(esr >> 26),
            (unsigned long long)(esr & 0x3f), (unsigned long long)((esr >> 6) & 1), sync_far == want_far,
            (unsigned long long)sync_elr);
}

static void clear_sync(void) { sync_count = 0, sync_vector = ~0ull, sync_esr = 0, sync_far = 0, sync_elr = 0; }

static void abort_tests(void)
{
    /* Branch into nothing: an instruction abort, ELR and FAR at the target. */
    clear_sync();
    __asm__ volatile("adr x9, 1f\n"
                     "adrp x10, resume_pc\n"
                     "str x9, [x10, :lo12:resume_pc]\n"
                     "blr %0\n"
                     "1:\n" ::"r"(UNMAPPED)
                     : "x9", "x10", "x30", "memory");
    report_abort("fetch", UNMAPPED);

    /* A load pair: the hypervisor gets no syndrome to emulate it with. */
    clear_sync();
    __asm__ volatile("adr x9, 1f\n"
                     "adrp x10, resume_pc\n"
                     "str x9, [x10, :lo12:resume_pc]\n"
                     "ldp x11, x12, [%0]\n"
                     "1:\n" ::"r"(UNMAPPED + 0x10)
                     : "x9", "x10", "x11", "x12", "memory");
    report_abort("ldp", UNMAPPED + 0x10);

    clear_sync();
    __asm__ volatile("adr x9, 1f\n"
                     "adrp x10, resume_pc\n"
                     "str x9, [x10, :lo12:resume_pc]\n"
                     "stp x9, x10, [%0]\n"
                     "1:\n" ::"r"(UNMAPPED + 0x20)
                     : "x9", "x10", "memory");
    report_abort("stp", UNMAPPED + 0x20);

    /* From EL0 (AArch64): the lower-EL vector. The MMU is off, so EL0 runs this code as is. */
    clear_sync();
    __asm__ volatile("adr x9, 1f\n"
                     "adrp x10, resume_pc\n"
                     "str x9, [x10, :lo12:resume_pc]\n"
                     "adr x9, 2f\n"
                     "msr elr_el1, x9\n"
                     "mov x9, #0x3c0\n" /* EL0t, DAIF masked */
                     "msr spsr_el1, x9\n"
                     "mov x9, %0\n"
                     "eret\n"
                     "2: ldr x10, [x9]\n"
                     "   b .\n"
                     "1:\n" ::"r"(UNMAPPED + 0x30)
                     : "x9", "x10", "memory");
    report_abort("el0", UNMAPPED + 0x30);

    /* From AArch32 EL0 (A32 `ldr r0, [r9]`): the AArch32 lower-EL vector. */
    clear_sync();
    __asm__ volatile("adr x9, 1f\n"
                     "adrp x10, resume_pc\n"
                     "str x9, [x10, :lo12:resume_pc]\n"
                     "adr x9, 2f\n"
                     "msr elr_el1, x9\n"
                     "mov x9, #0x1d0\n" /* AArch32 User, A/I/F masked */
                     "msr spsr_el1, x9\n"
                     "mov x9, %0\n"
                     "eret\n"
                     "2: .word 0xe5990000\n" /* ldr r0, [r9] */
                     "   .word 0xeafffffe\n" /* b . */
                     "1:\n" ::"r"(UNMAPPED + 0x40)
                     : "x0", "x9", "x10", "memory");
    report_abort("el0-aarch32", UNMAPPED + 0x40);
}

/* ---- level-sensitive interrupts --------------------------------------------------------------- */

static void gic_init(void)
{
    gicv2 = ((rd32(GICD_BASE + GICD_PIDR2_V2) >> 4) & 0xf) == 2;
    if (gicv2) {
        wr32(GICD_BASE + GICD_CTLR, 1);
        wr32(GICD_BASE + GICD_IPRIORITYR + 24, 0xa0a0a0a0u);      /* PPIs 24-27 */
        wr32(GICD_BASE + GICD_IPRIORITYR + 32, 0xa0a0a0a0u);      /* SPIs 32-35 */
        wr32(GICD_BASE + GICD_ITARGETSR + 32, 0x01010101u);       /* to CPU interface 0 */
        wr32(GICC_BASE + GICC_PMR, 0xff);
        wr32(GICC_BASE + GICC_CTLR, 1);
    } else {
        wr32(GICD_BASE + GICD_CTLR, 0x12); /* ARE, EnableGrp1 */
        wr32(GICR_BASE + GICR_WAKER, 0);
        wr32(GICR_BASE + GICR_SGI + GICD_IPRIORITYR + 24, 0xa0a0a0a0u);
        wr32(GICD_BASE + GICD_IPRIORITYR + 32, 0xa0a0a0a0u);
        *(volatile u64 *)(GICD_BASE + GICD_IROUTER + 8 * INTID_UART) = 0; /* to vCPU 0 */
        WRITE_SYSREG("s3_0_c12_c12_5", READ_SYSREG("s3_0_c12_c12_5") | 1); /* ICC_SRE_EL1 */
        WRITE_SYSREG("s3_0_c4_c6_0", 0xff);                               /* ICC_PMR_EL1 */
        WRITE_SYSREG("s3_0_c12_c12_7", 1);                                /* ICC_IGRPEN1_EL1 */
    }
    u64 penable = gicv2 ? GICD_BASE + GICD_ISENABLER : GICR_BASE + GICR_SGI + GICD_ISENABLER;
    wr32(penable, 1u << INTID_VTIMER);
    wr32(GICD_BASE + GICD_ISENABLER + 4, 1u << (INTID_UART - 32));
}

static bool wait_pending(u32 intid, u64 ms)
{
    u64 end = guest_counter() + guest_counter_freq() / 1000 * ms;
    while (guest_counter() < end)
        if (gic_pending(intid))
            return true;
    return false;
}

/* Unmasked for a while: whatever is deliverable is taken. */
static void window(u64 ms)
{
    irqs_on();
    guest_delay_ms(ms);
    irqs_off();
}

/* (Not CVAL parked near 2^64: QEMU 7.2 adds CNTVOFF to it, wraps, and spins re-arming its
 * timer, which stalls the whole machine.) */
enum stop_way { STOP_DISABLE, STOP_IMASK, STOP_CVAL_AHEAD };
static const char *const stop_names[] = {"enable=0", "imask", "cval-ahead"};

static void timer_case(enum stop_way way)
{
    irqs_off();
    u32 before = taken[INTID_VTIMER];
    WRITE_SYSREG("cntv_cval_el0", guest_counter() + guest_counter_freq() / 1000); /* 1 ms */
    WRITE_SYSREG("cntv_ctl_el0", 1);
    /* Fired, and pending in the GIC (the read traps, so the hypervisor had its exit). */
    bool fired = wait_pending(INTID_VTIMER, 200);
    switch (way) {
    case STOP_DISABLE: WRITE_SYSREG("cntv_ctl_el0", 0); break;
    case STOP_IMASK: WRITE_SYSREG("cntv_ctl_el0", 3); break;
    case STOP_CVAL_AHEAD: WRITE_SYSREG("cntv_cval_el0", guest_counter() + guest_counter_freq() * 100); break;
    }
    bool still_pending = gic_pending(INTID_VTIMER);
    u32 hppir = gic_hppir();
    window(5);
    u32 delivered = taken[INTID_VTIMER] - before;
    /* The timer works on: fired and unmasked, it is taken (the handler stops it). */
    WRITE_SYSREG("cntv_cval_el0", guest_counter() + guest_counter_freq() / 1000);
    WRITE_SYSREG("cntv_ctl_el0", 1);
    irqs_on();
    u64 end = guest_counter() + guest_counter_freq() / 5;
    while (taken[INTID_VTIMER] == before + delivered && guest_counter() < end)
        ;
    irqs_off();
    WRITE_SYSREG("cntv_ctl_el0", 0);
    gprintf("levels: timer %s: fired=%d pending-after=%d hppir=%u delivered=%u next-tick=%u\n", stop_names[way], fired,
            still_pending, hppir, delivered, taken[INTID_VTIMER] - before - delivered);
}

/* Steady ticks, then a change of INTID 27 between two of them (the hypervisor may serve a
 * tick like the one before it without looking again: the change must be seen). n_ticks ticks
 * first, with no trap in between; then 27 disabled (GICR_ICENABLER0 / GICD_ICENABLER0), or given
 * a priority the priority mask (0xb0) keeps out: the timer fires, must not be delivered for a
 * while, and is once 27 is enabled or its priority put back. */
enum steady_way { STEADY_DISABLE, STEADY_PRIORITY };

static bool tick_within(u32 before, u64 ms)
{
    u64 end = guest_counter() + guest_counter_freq() / 1000 * ms;
    irqs_on();
    while (taken[INTID_VTIMER] == before && guest_counter() < end)
        ;
    irqs_off();
    return taken[INTID_VTIMER] != before;
}

static void arm_tick(void)
{
    WRITE_SYSREG("cntv_cval_el0", guest_counter() + guest_counter_freq() / 2000); /* 0.5 ms */
    WRITE_SYSREG("cntv_ctl_el0", 1);
}

static void steady_case(enum steady_way way)
{
    u64 ppi = gicv2 ? GICD_BASE : GICR_BASE + GICR_SGI;
    irqs_off();
    if (gicv2)
        wr32(GICC_BASE + GICC_PMR, 0xb0);
    else
        WRITE_SYSREG("s3_0_c4_c6_0", 0xb0); /* ICC_PMR_EL1 */
    u32 ticks = 0;
    for (u32 i = 0; i < 4; i++) {
        u32 before = taken[INTID_VTIMER];
        arm_tick();
        ticks += tick_within(before, 200);
    }
    if (way == STEADY_DISABLE)
        wr32(ppi + GICD_ICENABLER, 1u << INTID_VTIMER);
    else
        wr32(ppi + GICD_IPRIORITYR + 24, 0xc0a0a0a0u); /* 27 at 0xc0, under the mask */
    u32 before = taken[INTID_VTIMER];
    arm_tick();
    bool kept_out = !tick_within(before, 20);
    if (way == STEADY_DISABLE)
        wr32(ppi + GICD_ISENABLER, 1u << INTID_VTIMER);
    else
        wr32(ppi + GICD_IPRIORITYR + 24, 0xa0a0a0a0u);
    bool after = tick_within(before, 200);
    WRITE_SYSREG("cntv_ctl_el0", 0);
    if (gicv2)
        wr32(GICC_BASE + GICC_PMR, 0xff);
    else
        WRITE_SYSREG("s3_0_c4_c6_0", 0xff);
    gprintf("levels: steady %s: ticks=%u kept-out=%d after=%d\n", way == STEADY_DISABLE ? "disable" : "priority",
            ticks, kept_out, after);
}

static void uart_case(void)
{
    irqs_off();
    wr32(UART_BASE + UART_LCR_H, 0x60); /* 8 bits, FIFO off: one character raises RX */
    wr32(UART_BASE + UART_CR, 0x301);   /* UARTEN, TXE, RXE */
    wr32(UART_BASE + UART_ICR, 0x7ff);
    while (!(rd32(UART_BASE + UART_FR) & UART_FR_RXFE))
        (void)rd32(UART_BASE + UART_DR);
    wr32(UART_BASE + UART_IMSC, UART_INT_RX | UART_INT_RT);
    gprintf("levels: send a key\n");
    bool raised = wait_pending(INTID_UART, 20000);
    u32 ch = rd32(UART_BASE + UART_DR) & 0xff; /* drains the FIFO: the line drops */
    u32 before = taken[INTID_UART];
    window(5); /* straight after the read, with no other trap in between */
    u32 delivered = taken[INTID_UART] - before;
    bool still_pending = gic_pending(INTID_UART);
    u32 hppir = gic_hppir();
    wr32(UART_BASE + UART_IMSC, 0);
    gprintf("levels: uart rx: raised=%d char=%#x delivered=%u pending-after=%d hppir=%u\n", raised, ch, delivered,
            still_pending, hppir);
}

void guest_main(u64 dtb)
{
    (void)dtb;
    WRITE_SYSREG("vbar_el1", (u64)levels_vectors);
    irqs_off();
    gic_init();
    gprintf("levels: gic v%d\n", gicv2 ? 2 : 3);
    abort_tests();
    for (u32 way = STOP_DISABLE; way <= STOP_CVAL_AHEAD; way++)
        timer_case((enum stop_way)way);
    steady_case(STEADY_DISABLE);
    steady_case(STEADY_PRIORITY);
    uart_case();
    gprintf("levels: done, spurious=%u\n", spurious);
    guest_system_off();
}

void guest_secondary_main(u64 vcpu) { (void)vcpu; }
