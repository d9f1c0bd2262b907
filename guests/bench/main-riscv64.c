/* Guest microbenchmarks for `make ARCH=riscv64 bench` (docs/bench.md, "riscv64"): the riscv64 form
 * of guests/bench/main.c, with the same output. The same binary runs under cvisor
 * (configs/vms/bench-riscv64.toml, bench.bin, VS-mode, cvisor its SBI) and on bare QEMU in
 * S-mode above OpenSBI (`-bios default -kernel bench.bin`), where OpenSBI answers the same SBI
 * calls: the baselines. Under `-icount shift=0` one instruction is 1 ns; the time CSR ticks at
 * 10 MHz (100 instructions), so latencies are stamped below the tick (bench_stamp).
 *
 * The benchmarks: the SBI null call (BASE get_spec_version) round trip, cvisor's own HC_NULL,
 * an MMIO read of the PLIC (a source's priority: the vPLIC under cvisor, QEMU's PLIC bare), the
 * supervisor timer interrupt with Sstc (stimecmp written by the guest, the vCPU waiting in WFI)
 * from its deadline to the handler, a device's external interrupt through the PLIC (the goldfish
 * RTC's alarm, passed through and forwarded through the vPLIC under cvisor) from the alarm to
 * the handler's claim, and the IPI (SBI IPI send_ipi) from the send to the handler on the other
 * hart, and back (docs/bench.md). */
#include "guest.h"
#include "report.h"
#include <lib/fdt.h>

#define CSR_STIMECMP "0x14d"
#define SIE_STIE (1ul << 5)
#define SSTATUS_SIE (1ul << 1)
#define SCAUSE_STI ((1ul << 63) | 5)
#define SCAUSE_SSI ((1ul << 63) | 1)
#define SIE_SSIE (1ul << 1)
#define SIP_SSIP (1ul << 1)

#define TICK_NS 100 /* 10 MHz timebase */

/* The external-interrupt benchmark's device: QEMU virt's goldfish RTC (PLIC source 11). Run with
 * `-rtc clock=vm`, its time is QEMU's virtual clock: under `-icount shift=0` the instruction
 * count in ns, read exactly by a load, so it stamps to the instruction without bench_stamp. */
#define RTC 0x101000ul
#define RTC_TIME_LOW 0x00 /* reading it latches TIME_HIGH */
#define RTC_TIME_HIGH 0x04
#define RTC_ALARM_LOW 0x08 /* writing it arms the alarm */
#define RTC_ALARM_HIGH 0x0c
#define RTC_IRQ_ENABLED 0x10
#define RTC_CLEAR_INTERRUPT 0x1c
#define RTC_SRC 11u
#define PLIC 0x0c000000ul
#define PLIC_CONTEXT_S(hart) (2 * (hart) + 1) /* QEMU virt: M- and S-mode context per hart */
#define PLIC_ENABLE(ctx) (PLIC + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (PLIC + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) (PLIC + 0x200004 + 0x1000 * (ctx))
#define SIE_SEIE (1ul << 9)
/* AIA (QEMU virt with aia=aplic-imsic): the hart's interrupt file through siselect/sireg/stopei
 * (under cvisor: its guest file, the VS-level CSRs), and bare the S-level APLIC domain, which
 * OpenSBI leaves in MSI mode with every source delegated to it. */
#define CSR_SISELECT "0x150"
#define CSR_SIREG "0x151"
#define CSR_STOPEI "0x15c"
#define ISEL_EIDELIVERY 0x70
#define ISEL_EITHRESHOLD 0x72
#define ISEL_EIE0 0xc0
#define APLIC_DOMAINCFG_IE_DM 0x104u
#define APLIC_SOURCECFG(s) (0x4ul + 4 * ((s) - 1))
#define APLIC_SM_LEVEL_HIGH 6u
#define APLIC_SETIENUM 0x1edcul
#define APLIC_CLRIENUM 0x1fdcul
#define APLIC_TARGET(s) (0x3004ul + 4 * ((s) - 1))
#define SCAUSE_SEI ((1ul << 63) | 9)


/* Loops of n iterations (n >= 1) with the same frame (a7/a6 loaded, the counter) with or without
 * the call, so the empty loop can be subtracted. */
__asm__("    .text\n"
        "    .global bench_loop_empty\n"
        "bench_loop_empty:\n"
        "    mv t0, a0\n"
        "1:  li a7, 0x10\n"
        "    li a6, 0\n"
        "    addi t0, t0, -1\n"
        "    bnez t0, 1b\n"
        "    ret\n"
        "    .global bench_loop_sbi\n" /* SBI BASE get_spec_version */
        "bench_loop_sbi:\n"
        "    mv t0, a0\n"
        "1:  li a7, 0x10\n"
        "    li a6, 0\n"
        "    ecall\n"
        "    addi t0, t0, -1\n"
        "    bnez t0, 1b\n"
        "    ret\n"
        "    .global bench_loop_mmio\n" /* a read of the PLIC's source 1 priority */
        "bench_loop_mmio:\n"
        "    mv t0, a0\n"
        "    li t1, 0x0c000004\n"
        "1:  li a7, 0x10\n"
        "    li a6, 0\n"
        "    lw t2, 0(t1)\n"
        "    addi t0, t0, -1\n"
        "    bnez t0, 1b\n"
        "    ret\n"
        /* Sub-tick stamp: reads time (read 0), then reads it in a 3-instruction loop until it
         * changes; a0 = the first value, a1 = the loop reads K. Read k executes 3k - 1
         * instructions after read 0, so the edge E = (value + 1) ticks lies in (T0 + 3K - 4,
         * T0 + 3K - 1]: T0 = E - 3K + 2.5 +- 1.5. */
        "    .global bench_stamp\n"
        "bench_stamp:\n"
        "    rdtime a0\n"
        "    li a1, 0\n"
        "1:  rdtime a2\n"
        "    addi a1, a1, 1\n"
        "    beq a2, a0, 1b\n"
        "    ret\n"
        /* The trap vectors: the caller-saved registers around a C handler (bench_trap; the
         * external-interrupt benchmark's bench_ext_trap). */
        "    .macro trap_vector name, handler\n"
        "    .balign 4\n"
        "    .global \\name\n"
        "\\name:\n"
        "    addi sp, sp, -128\n"
        "    sd ra, 0(sp)\n    sd t0, 8(sp)\n    sd t1, 16(sp)\n    sd t2, 24(sp)\n"
        "    sd a0, 32(sp)\n    sd a1, 40(sp)\n    sd a2, 48(sp)\n    sd a3, 56(sp)\n"
        "    sd a4, 64(sp)\n    sd a5, 72(sp)\n    sd a6, 80(sp)\n    sd a7, 88(sp)\n"
        "    sd t3, 96(sp)\n    sd t4, 104(sp)\n    sd t5, 112(sp)\n    sd t6, 120(sp)\n"
        "    call \\handler\n"
        "    ld ra, 0(sp)\n    ld t0, 8(sp)\n    ld t1, 16(sp)\n    ld t2, 24(sp)\n"
        "    ld a0, 32(sp)\n    ld a1, 40(sp)\n    ld a2, 48(sp)\n    ld a3, 56(sp)\n"
        "    ld a4, 64(sp)\n    ld a5, 72(sp)\n    ld a6, 80(sp)\n    ld a7, 88(sp)\n"
        "    ld t3, 96(sp)\n    ld t4, 104(sp)\n    ld t5, 112(sp)\n    ld t6, 120(sp)\n"
        "    addi sp, sp, 128\n"
        "    sret\n"
        "    .endm\n"
        "    trap_vector bench_vector, bench_trap\n"
        "    trap_vector bench_ext_vector, bench_ext_trap\n"
        "    trap_vector bench_imsic_vector, bench_imsic_trap\n");

struct stamp {
    u64 ticks, reads;
};

void bench_loop_empty(u64 n);
void bench_loop_sbi(u64 n);
void bench_loop_mmio(u64 n);
struct stamp bench_stamp(void);
extern char bench_vector[], bench_ext_vector[], bench_imsic_vector[];
void bench_trap(void);
void bench_ext_trap(void);
void bench_imsic_trap(void);

static inline u64 now(void)
{
    u64 v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

/* ns (instructions) of the stamp's first read (see bench_stamp), times 10. */
static u64 stamp_ns10(struct stamp s) { return (s.ticks + 1) * TICK_NS * 10 - s.reads * 30 + 25; }

static volatile u32 timer_hits;
static volatile u64 timer_hit_ns10;
/* The IPI benchmark: the boot hart's id and the other's; pings taken by the other hart, pongs
 * by the boot hart, each with its handler's stamp. */
static u64 boot_hart, other_hart;
static volatile u32 pings, pongs, other_up;
static volatile u64 ping_ns10, pong_ns10;

static void send_ipi(u64 hart) { sbi(SBI_EXT_IPI, 0, 1ul << hart, 0, 0); }

static volatile u32 *reg(unsigned long a) { return (volatile u32 *)a; }

/* The RTC's time in ns; the load of TIME_LOW (the first) is the instant it stamps. */
static inline u64 rtc_now(void)
{
    u64 lo = *reg(RTC + RTC_TIME_LOW);
    return lo | (u64)*reg(RTC + RTC_TIME_HIGH) << 32;
}

/* The external-interrupt benchmark: the claim register of the boot hart's S-mode context, what
 * the handler took and its two RTC stamps (on entry and right after the claim). */
static volatile u32 *ext_claim;
static volatile u32 ext_hits, ext_src;
static volatile u64 ext_entry_ns, ext_claimed_ns;

/* The trap handler of the external-interrupt benchmark (bench_ext_vector): its own, so that the
 * measured path is a handler's plain one (save, check scause, stamp, claim), and bench_trap's,
 * the timer and IPI rows', stays as it was. The stamps come before anything else. Another trap
 * (the guard timer of a wait) goes to bench_trap. */
void bench_ext_trap(void)
{
    u64 cause;
    __asm__ volatile("csrr %0, scause" : "=r"(cause));
    if (cause != SCAUSE_SEI) {
        bench_trap();
        return;
    }
    u64 entry = rtc_now();
    u32 src = *ext_claim;
    u64 claimed = rtc_now();
    *reg(RTC + RTC_CLEAR_INTERRUPT) = 1; /* the device lowers its line */
    *ext_claim = src;                    /* complete */
    ext_entry_ns = entry;
    ext_claimed_ns = claimed;
    ext_src = src;
    ext_hits = ext_hits + 1;
}

/* The AIA form (bench_imsic_vector): the interrupt comes from the hart's interrupt file (under
 * cvisor its guest file, bare its S-level file), claimed through stopei; the RTC lowers its line
 * and nothing more is completed (the APLIC sends a message per edge). */
void bench_imsic_trap(void)
{
    u64 cause;
    __asm__ volatile("csrr %0, scause" : "=r"(cause));
    if (cause != SCAUSE_SEI) {
        bench_trap();
        return;
    }
    u64 entry = rtc_now();
    u64 top;
    __asm__ volatile("csrrw %0, " CSR_STOPEI ", zero" : "=r"(top)::"memory"); /* read and claim */
    u64 claimed = rtc_now();
    *reg(RTC + RTC_CLEAR_INTERRUPT) = 1;
    ext_entry_ns = entry;
    ext_claimed_ns = claimed;
    ext_src = (u32)(top >> 16) & 0x7ff;
    ext_hits = ext_hits + 1;
}

void bench_trap(void)
{
    u64 cause, hart;
    __asm__ volatile("csrr %0, scause; mv %1, tp" : "=r"(cause), "=r"(hart));
    if (cause == SCAUSE_SSI) {
        struct stamp s = bench_stamp();
        __asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP));
        if (hart == other_hart) { /* a ping: stamped, answered */
            ping_ns10 = stamp_ns10(s);
            pings = pings + 1;
            send_ipi(boot_hart);
        } else {
            pong_ns10 = stamp_ns10(s);
            pongs = pongs + 1;
        }
        return;
    }
    if (cause != SCAUSE_STI) {
        u64 epc, tval;
        __asm__ volatile("csrr %0, sepc; csrr %1, stval" : "=r"(epc), "=r"(tval));
        bench_say("BENCH-ERROR env=%s unexpected trap: scause %#llx sepc %#llx stval %#llx\n", bench_env(),
            (unsigned long long)cause, (unsigned long long)epc, (unsigned long long)tval);
        bench_say("BENCH-END env=%s errors=%u\n", bench_env(), bench_errors + 1);
        guest_system_off();
    }
    struct stamp s = bench_stamp();
    __asm__ volatile("csrw " CSR_STIMECMP ", %0" ::"r"(~0ul)); /* the line drops */
    timer_hit_ns10 = stamp_ns10(s);
    timer_hits = timer_hits + 1;
}

struct stats {
    u64 sum, min, max, n;
};

static void stats_add(struct stats *s, u64 v)
{
    if (!s->n || v < s->min)
        s->min = v;
    if (!s->n || v > s->max)
        s->max = v;
    s->sum += v;
    s->n++;
}

/* v in tenths of instructions. */
static void stats_report(const char *name, const struct stats *s)
{
    char extra[96];
    if (!s->n) {
        bench_fail("no samples");
        return;
    }
    fmt_snprintf(extra, sizeof(extra), "min=%llu max=%llu n=%llu", (unsigned long long)(s->min / 10),
                 (unsigned long long)(s->max / 10), (unsigned long long)s->n);
    bench_result(name, (s->sum + s->n / 2) / s->n, extra);
}

static u64 time_loop_ns(void (*loop)(u64), u64 n)
{
    u64 t0 = now();
    loop(n);
    return (now() - t0) * TICK_NS;
}

static void report_loop(const char *name, void (*loop)(u64), u64 n, u64 empty_ns)
{
    loop(n < 100 ? n : 100);
    u64 ns = time_loop_ns(loop, n);
    u64 extra_ns = ns > empty_ns ? ns - empty_ns : 0;
    char extra[64];
    fmt_snprintf(extra, sizeof(extra), "n=%llu", (unsigned long long)n);
    bench_result(name, (extra_ns * 10 + n / 2) / n, extra);
}

static void loop_hc_null(u64 n)
{
    for (u64 i = 0; i < n; i++)
        hypercall(HC_NULL, 0, 0);
}

static void loop_empty_c(u64 n)
{
    for (u64 i = 0; i < n; i++)
        __asm__ volatile("" ::: "memory");
}

static void bench_loops(u64 n, bool mmio)
{
    bench_loop_empty(100);
    u64 empty_ns = time_loop_ns(bench_loop_empty, n);
    bench_result("empty_loop", (empty_ns * 10 + n / 2) / n, "");
    report_loop(bench_under_cvisor ? "sbi_null_call" : "sbi_null_call_bare", bench_loop_sbi, n, empty_ns);
    /* the vPLIC under cvisor (trap, decode, emulate), QEMU's PLIC bare (not on the AIA machine) */
    if (mmio)
        report_loop(bench_under_cvisor ? "mmio_read" : "mmio_read_bare", bench_loop_mmio, n, empty_ns);
    if (bench_under_cvisor) /* (the C loop's frame differs: its own empty loop) */
        report_loop("hypercall", loop_hc_null, n, time_loop_ns(loop_empty_c, n));
}

/* Sstc: stimecmp 50 us ahead (plus r % 7 ticks), the vCPU in WFI with SIE set; the handler's
 * stamp against the deadline. */
static void bench_timer(u64 rounds)
{
    struct stats st = {0};
    __asm__ volatile("csrw stvec, %0" ::"r"(bench_vector));
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
    for (u64 r = 0; r < rounds; r++) {
        u32 want = timer_hits + 1;
        u64 cmp = now() + 500 + r % 7;
        __asm__ volatile("csrw " CSR_STIMECMP ", %0" ::"r"(cmp));
        u64 limit = cmp + GUEST_TIMEBASE_HZ;
        while (timer_hits != want && now() < limit)
            __asm__ volatile("csrs sstatus, %0; wfi; csrc sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
        if (timer_hits != want) {
            bench_fail("timer_irq_latency: no timer interrupt");
            return;
        }
        u64 deadline10 = cmp * TICK_NS * 10;
        if (r > 0)
            stats_add(&st, timer_hit_ns10 > deadline10 ? timer_hit_ns10 - deadline10 : 0);
    }
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_STIE));
    stats_report("timer_irq_latency", &st);
}

/* WFI with interrupts on until *count reaches want, or the time passes limit. */
static bool wait_count(volatile u32 *count, u32 want, u64 limit)
{
    while (*count != want && now() < limit)
        __asm__ volatile("csrs sstatus, %0; wfi; csrc sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
    return *count == want;
}

/* The other hart (started through SBI HSM, tp = its hart id): says it is up with a pong, then
 * answers each ping in its handler. */
void guest_secondary_main(u64 context)
{
    __asm__ volatile("mv tp, %0" ::"r"(context));
    __asm__ volatile("csrw stvec, %0" ::"r"(bench_vector));
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SSIE));
    other_up = 1;
    send_ipi(boot_hart);
    for (;;)
        __asm__ volatile("csrs sstatus, %0; wfi; csrc sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
}

/* Which hart this is: bare, OpenSBI picks the boot hart (0 or 1), and the other one is the hart
 * HSM reports stopped. False (and a BENCH-ERROR) without a stopped second hart. */
static bool find_harts(void)
{
    long status0 = guest_cpu_status(0), status1 = guest_cpu_status(1);
    if (status0 != SBI_HSM_STOPPED && status1 != SBI_HSM_STOPPED) {
        bench_fail("no second hart stopped (HSM status %ld, %ld): run with 2 harts", status0, status1);
        return false;
    }
    other_hart = status0 == SBI_HSM_STOPPED ? 0 : 1;
    boot_hart = other_hart ^ 1;
    __asm__ volatile("mv tp, %0" ::"r"(boot_hart));
    return true;
}

/* A device's interrupt through the PLIC: the goldfish RTC's alarm (source 11, priority 1, enabled
 * for the boot hart's S-mode context, threshold 0), 50 us ahead (plus r % 7 ns) while the hart
 * waits in WFI with SIE set; from the alarm's instant (its RTC time: QEMU raises the line when
 * the virtual clock reaches it) to the handler's RTC stamps on entry and right after its claim.
 * Under cvisor the RTC is passed through: the host PLIC interrupts the hart in HS-mode, cvisor
 * claims it there, masks the host source, raises the VM's vPLIC source 11 and hvip.VSEIP; the
 * guest's claim and completion are trapped and emulated (the completion unmasks the host source).
 * Bare, QEMU's PLIC raises SEIP and the claim is a plain load. */
static void bench_ext_irq(u64 rounds)
{
    u32 ctx = PLIC_CONTEXT_S(boot_hart);
    ext_claim = reg(PLIC_CLAIM(ctx));
    *reg(PLIC + 4 * RTC_SRC) = 1;
    *reg(PLIC_ENABLE(ctx)) = 1u << RTC_SRC;
    *reg(PLIC_THRESHOLD(ctx)) = 0;
    *reg(RTC + RTC_IRQ_ENABLED) = 1;
    __asm__ volatile("csrw stvec, %0" ::"r"(bench_ext_vector));
    /* The timer bounds each wait: without the RTC's interrupt, nothing else would end the WFI. */
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE | SIE_STIE));
    struct stats claimed = {0}, entry = {0};
    u64 rtc0 = rtc_now(), time0 = now();
    for (u64 r = 0; r < rounds; r++) {
        u32 want = ext_hits + 1;
        u64 limit = now() + GUEST_TIMEBASE_HZ / 10;
        __asm__ volatile("csrw " CSR_STIMECMP ", %0" ::"r"(limit));
        u64 alarm = rtc_now() + 50000 + r % 7;
        *reg(RTC + RTC_ALARM_HIGH) = (u32)(alarm >> 32);
        *reg(RTC + RTC_ALARM_LOW) = (u32)alarm; /* arms it */
        if (!wait_count(&ext_hits, want, limit)) {
            bench_fail("ext_irq_latency: no RTC interrupt through the PLIC in 100 ms");
            break;
        }
        if (ext_src != RTC_SRC) {
            bench_fail("ext_irq_latency: claimed source %u, not %u", ext_src, RTC_SRC);
            break;
        }
        if (r > 0) { /* the first round takes first-time paths */
            stats_add(&claimed, (ext_claimed_ns > alarm ? ext_claimed_ns - alarm : 0) * 10);
            stats_add(&entry, (ext_entry_ns > alarm ? ext_entry_ns - alarm : 0) * 10);
        }
    }
    u64 rtc_ns = rtc_now() - rtc0, time_ns = (now() - time0) * TICK_NS;
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_SEIE | SIE_STIE));
    __asm__ volatile("csrw " CSR_STIMECMP ", %0" ::"r"(~0ul));
    *reg(RTC + RTC_IRQ_ENABLED) = 0;
    *reg(PLIC_ENABLE(ctx)) = 0;
    /* With the RTC on the host's clock (no `-rtc clock=vm`), its stamps are not instructions. */
    if (rtc_ns < time_ns - time_ns / 100 || rtc_ns > time_ns + time_ns / 100) {
        bench_fail("ext_irq_latency: the RTC ran %llu ns while the time CSR ran %llu: run QEMU with -rtc clock=vm",
                   (unsigned long long)rtc_ns, (unsigned long long)time_ns);
        return;
    }
    stats_report("ext_irq_latency", &claimed);
    stats_report("ext_irq_entry_latency", &entry);
}

static void file_write(unsigned long isel, unsigned long v)
{
    __asm__ volatile("csrw " CSR_SISELECT ", %0\n csrw " CSR_SIREG ", %1" ::"r"(isel), "r"(v) : "memory");
}

/* The device interrupt through the AIA: the same RTC alarm, sent by the APLIC as an MSI
 * (identity 11) to the boot hart's interrupt file. Under cvisor (interrupt_mode = "passthrough",
 * configs/vms/bench-aia-riscv64.toml) the host APLIC sends it to the vCPU's guest file, whose
 * VSEIP interrupts the guest directly: cvisor is not on the path. Bare, the guest sets up the
 * S-level APLIC itself (aplic != 0) and the interrupt comes from its S-level file. */
static void bench_ext_irq_imsic(u64 rounds, unsigned long aplic)
{
    if (aplic) {
        *reg(aplic) = APLIC_DOMAINCFG_IE_DM;
        *reg(aplic + APLIC_SOURCECFG(RTC_SRC)) = APLIC_SM_LEVEL_HIGH;
        *reg(aplic + APLIC_TARGET(RTC_SRC)) = (u32)boot_hart << 18 | RTC_SRC;
        *reg(aplic + APLIC_SETIENUM) = RTC_SRC;
    }
    file_write(ISEL_EIDELIVERY, 1);
    file_write(ISEL_EITHRESHOLD, 0);
    file_write(ISEL_EIE0, 1ul << RTC_SRC);
    *reg(RTC + RTC_IRQ_ENABLED) = 1;
    __asm__ volatile("csrw stvec, %0" ::"r"(bench_imsic_vector));
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE | SIE_STIE));
    struct stats claimed = {0}, entry = {0};
    for (u64 r = 0; r < rounds; r++) {
        u32 want = ext_hits + 1;
        u64 limit = now() + GUEST_TIMEBASE_HZ / 10;
        __asm__ volatile("csrw " CSR_STIMECMP ", %0" ::"r"(limit));
        u64 alarm = rtc_now() + 50000 + r % 7;
        *reg(RTC + RTC_ALARM_HIGH) = (u32)(alarm >> 32);
        *reg(RTC + RTC_ALARM_LOW) = (u32)alarm; /* arms it */
        if (!wait_count(&ext_hits, want, limit)) {
            bench_fail("ext_irq_latency: no RTC interrupt through the IMSIC in 100 ms");
            break;
        }
        if (ext_src != RTC_SRC) {
            bench_fail("ext_irq_latency: claimed identity %u, not %u", ext_src, RTC_SRC);
            break;
        }
        if (r > 0) {
            stats_add(&claimed, (ext_claimed_ns > alarm ? ext_claimed_ns - alarm : 0) * 10);
            stats_add(&entry, (ext_entry_ns > alarm ? ext_entry_ns - alarm : 0) * 10);
        }
    }
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_SEIE | SIE_STIE));
    __asm__ volatile("csrw " CSR_STIMECMP ", %0" ::"r"(~0ul));
    *reg(RTC + RTC_IRQ_ENABLED) = 0;
    file_write(ISEL_EIE0, 0);
    if (aplic)
        *reg(aplic + APLIC_CLRIENUM) = RTC_SRC;
    stats_report("ext_irq_latency", &claimed);
    stats_report("ext_irq_entry_latency", &entry);
}

/* The machine's interrupt controllers from the device tree: an IMSIC means the AIA (no PLIC);
 * *aplic the S-level APLIC's base when the tree has one (bare: the domain without children). */
static bool find_imsic(u64 dtb, unsigned long *aplic)
{
    struct fdt f;
    *aplic = 0;
    if (!dtb || fdt_open(&f, (const void *)(unsigned long)dtb, 0x100000) != 0 ||
        fdt_find_compatible(&f, -1, "riscv,imsics") < 0)
        return false;
    for (int n = fdt_find_compatible(&f, -1, "riscv,aplic"); n >= 0; n = fdt_find_compatible(&f, n, "riscv,aplic")) {
        u64 base;
        if (!fdt_prop(&f, n, "riscv,children", NULL) && fdt_reg(&f, n, 0, &base, NULL))
            *aplic = (unsigned long)base;
    }
    return true;
}

/* The boot hart pings the other (SBI IPI), whose handler stamps the arrival and pongs back. The
 * send is the ecall right after a stamp's tick edge; both harts wait in WFI. */
static void bench_ipi(u64 rounds)
{
    __asm__ volatile("csrw stvec, %0" ::"r"(bench_vector));
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SSIE));
    long r = guest_cpu_on(other_hart, other_hart);
    if (r != 0 || !wait_count(&pongs, 1, now() + GUEST_TIMEBASE_HZ) || other_up != 1) {
        bench_fail("ipi_latency: hart %llu did not start through SBI HSM (%ld)", (unsigned long long)other_hart, r);
        return;
    }
    struct stats lat = {0}, rt = {0};
    for (u64 i = 0; i < rounds; i++) {
        u32 want = pongs + 1, want_ping = pings + 1;
        struct stamp s = bench_stamp();
        send_ipi(other_hart);
        u64 sent_ns10 = (s.ticks + 1) * TICK_NS * 10; /* the tick edge that ended the stamp */
        if (!wait_count(&pongs, want, now() + GUEST_TIMEBASE_HZ) || pings != want_ping) {
            bench_fail("ipi_latency: no answer");
            return;
        }
        if (i > 0) { /* the first round takes first-time paths */
            stats_add(&lat, ping_ns10 > sent_ns10 ? ping_ns10 - sent_ns10 : 0);
            stats_add(&rt, pong_ns10 > sent_ns10 ? pong_ns10 - sent_ns10 : 0);
        }
    }
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_SSIE));
    stats_report("ipi_latency", &lat);
    stats_report("ipi_roundtrip", &rt);
}

void guest_main(u64 dtb)
{
    unsigned long aplic;
    bool imsic = find_imsic(dtb, &aplic);
    /* cvisor answers HC_NULL with 0; OpenSBI does not know its extension (SBI_ERR_NOT_SUPPORTED). */
    struct sbiret r = sbi(SBI_EXT_CVISOR, HC_NULL, 0, 0, 0);
    bench_under_cvisor = r.error == 0 && r.value == 0;
    u64 iters = 20000, rounds = 200;
    bench_say("BENCH-START env=%s freq=%llu iters=%llu rounds=%llu\n", bench_env(), (unsigned long long)GUEST_TIMEBASE_HZ,
        (unsigned long long)iters, (unsigned long long)rounds);
    if (imsic)
        bench_say("BENCH-NOTE env=%s the device interrupt comes through the AIA: an IMSIC interrupt file%s\n",
                  bench_env(), aplic ? ", the S-level APLIC set up by the guest" : "");
    bench_loops(iters, !imsic);
    bench_timer(rounds);
    if (find_harts()) {
        if (imsic)
            bench_ext_irq_imsic(rounds, aplic);
        else
            bench_ext_irq(rounds);
        bench_ipi(rounds);
    }
    bench_say("BENCH-END env=%s errors=%u\n", bench_env(), bench_errors);
    guest_system_off();
}
