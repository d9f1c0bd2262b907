/* Guest microbenchmarks for `make ARCH=x86_64 bench` (docs/bench.md, "x86_64"). The x86 form of
 * guests/bench/main.c: the same method and output, over the x86 runtime (guests/rt/x86_64). The
 * same binary runs under cvisor (configs/vms/bench-x86_64.toml, bench.bin) and directly on QEMU
 * (`-kernel bench.bin`, QEMU's own multiboot loader), where it measures the baselines. Under
 * `-icount shift=0` the TSC advances once per executed instruction (of every CPU: QEMU runs
 * them round robin in one thread), so each result is a count of instructions.
 *
 * Output, parsed by scripts/bench.py:
 *   BENCH-START env=cvisor|bare tsc=<Hz> apic=<Hz> iters=<n> rounds=<n>
 *   BENCH name=<name> value=<decimal> unit=instructions [more key=value]
 *   BENCH-END env=cvisor|bare errors=<n>
 * Under cvisor the lines go through the console hypercall, on bare QEMU to COM1. The counts come
 * from the multiboot command line ("iters=N rounds=M": QEMU's -append, or the VM config's
 * cmdline, which scripts/bench.py writes).
 *
 * The benchmarks: VMMCALL (HC_NULL) round trip against a software interrupt round trip (INT
 * 0x80 to an IRETQ, the bare baseline), an I/O port read (the 16550's scratch register, COM1 +
 * 7: an IOIO exit to the emulated 16550 under cvisor, QEMU's own serial port bare), an MMIO
 * read of the local APIC's version register (a nested page fault decoded in software under
 * cvisor), the local APIC timer's one-shot interrupt latency, and the latency of a fixed IPI
 * from vCPU 0 to vCPU 1 (and its answer). */
#include "guest.h"
#include "report.h"
#include <lib/multiboot.h>
#include <lib/string.h>

#define LAPIC 0xfee00000ul
#define REG_VER 0x30
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INIT 0x380
#define REG_TIMER_DIV 0x3e0
#define COM1_SCR 0x3ff
#define VEC_TIMER 0x40
#define VEC_PING 0x41
#define VEC_PONG 0x42
#define VEC_SOFT 0x80
#define QEMU_APIC_HZ 1000000000ull /* QEMU's local APIC timer at divide-by-1 (1 ns per count) */

static u64 tsc_hz, apic_hz;

static void lapic_wr(u32 off, u32 v) { *(volatile u32 *)(LAPIC + off) = v; }

/* ---- assembly: timing loops, interrupt entries -------------------------------------------- */

/* n iterations (n >= 1) of the same frame (RAX loaded with HC_NULL, the counter) with or
 * without the operation measured, so the empty loop's time can be subtracted. The callers
 * assume every caller-saved register clobbered. */
__asm__("    .text\n"
        "    .global bench_loop_empty\n"
        "bench_loop_empty:\n"
        "1:  mov $0x100, %eax\n"
        "    dec %rdi\n"
        "    jnz 1b\n"
        "    ret\n"
        "    .global bench_loop_vmmcall\n"
        "bench_loop_vmmcall:\n"
        "1:  mov $0x100, %eax\n"
        "    vmmcall\n"
        "    dec %rdi\n"
        "    jnz 1b\n"
        "    ret\n"
        "    .global bench_loop_int\n"
        "bench_loop_int:\n"
        "1:  mov $0x100, %eax\n"
        "    int $0x80\n"
        "    dec %rdi\n"
        "    jnz 1b\n"
        "    ret\n"
        "    .global bench_loop_pio\n" /* rsi = the port */
        "bench_loop_pio:\n"
        "    mov %esi, %edx\n"
        "1:  mov $0x100, %eax\n"
        "    inb %dx, %al\n"
        "    dec %rdi\n"
        "    jnz 1b\n"
        "    ret\n"
        "    .global bench_loop_mmio\n" /* rsi = the address of a 32-bit register */
        "bench_loop_mmio:\n"
        "1:  mov $0x100, %eax\n"
        "    mov (%rsi), %eax\n"
        "    dec %rdi\n"
        "    jnz 1b\n"
        "    ret\n"
        /* The software interrupt of the baseline: straight back. */
        "    .global isr_soft\n"
        "isr_soft:\n"
        "    iretq\n");

/* Interrupt entries: the TSC first (RDTSC is exact under icount), then the handler with the
 * caller-saved registers saved. */
#define ISR_STAMPED(name, handler)                                                                         \
    __asm__(".text\n.global " #name "\n" #name ":\n"                                                      \
            "push %rax\npush %rdx\n"                                                                       \
            "rdtsc\n"                                                                                      \
            "push %rcx\npush %rsi\npush %rdi\npush %r8\npush %r9\npush %r10\npush %r11\n"                   \
            "shl $32, %rdx\nor %rdx, %rax\nmov %rax, %rdi\n"                                               \
            "call " #handler "\n"                                                                          \
            "pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rcx\npop %rdx\npop %rax\n"      \
            "iretq\n")

void bench_loop_empty(u64 n);
void bench_loop_vmmcall(u64 n);
void bench_loop_int(u64 n);
void bench_loop_pio(u64 n, u64 port);
void bench_loop_mmio(u64 n, u64 addr);
extern char isr_soft[], isr_timer[], isr_ping[], isr_pong[];

/* The TSC, read so that the instruction after it is the one measured (the send of an IPI, the
 * write that arms the timer): RDTSC itself is the last instruction counted before it. */
static inline u64 tsc(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return lo | (u64)hi << 32;
}

/* ---- interrupts ------------------------------------------------------------------------------ */

static volatile u32 timer_hits, pings, pongs, cpu1_up;
static volatile u64 timer_hit_tsc, ping_tsc, pong_tsc;

void on_timer(u64 t);
void on_timer(u64 t)
{
    timer_hit_tsc = t;
    timer_hits = timer_hits + 1;
    lapic_wr(REG_EOI, 0);
}

void on_ping(u64 t);
void on_ping(u64 t)
{
    ping_tsc = t;
    pings = pings + 1;
    lapic_wr(REG_EOI, 0);
    lapic_wr(REG_ICR_HI, 0);
    lapic_wr(REG_ICR_LO, VEC_PONG); /* to APIC id 0, vCPU 0 */
}

void on_pong(u64 t);
void on_pong(u64 t)
{
    pong_tsc = t;
    pongs = pongs + 1;
    lapic_wr(REG_EOI, 0);
}

ISR_STAMPED(isr_timer, on_timer);
ISR_STAMPED(isr_ping, on_ping);
ISR_STAMPED(isr_pong, on_pong);

static u64 idt[256 * 2] __attribute__((aligned(16)));

static void set_gate(unsigned vec, void *fn)
{
    u64 a = (u64)(unsigned long)fn;
    idt[vec * 2] = (a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((a >> 16) & 0xffff) << 48;
    idt[vec * 2 + 1] = a >> 32;
}

static void cpu_setup(void)
{
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } idtr = {sizeof(idt) - 1, (u64)(unsigned long)idt};
    __asm__ volatile("lidt %0" ::"m"(idtr));
    lapic_wr(REG_SVR, 0x1ff); /* enabled, spurious vector 0xff */
}

/* Waits in HLT (interrupts enabled only there) until *c == want or the TSC passes end. */
static bool wait_count(volatile u32 *c, u32 want, u64 end)
{
    while (*c != want) {
        if (tsc() >= end)
            return false;
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    return true;
}

/* ---- the benchmarks ------------------------------------------------------------------------- */

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

static void stats_report(const char *name, const struct stats *s)
{
    char extra[96];
    if (!s->n) {
        bench_fail("no samples");
        return;
    }
    fmt_snprintf(extra, sizeof(extra), "min=%llu max=%llu n=%llu", (unsigned long long)s->min,
                 (unsigned long long)s->max, (unsigned long long)s->n);
    bench_result(name, (s->sum * 10 + s->n / 2) / s->n, extra);
}

/* TSC ticks to instructions (ns under icount shift=0), rounded. */
static u64 ticks_to_ns(u64 t) { return (t * 1000000000ull + tsc_hz / 2) / tsc_hz; }

static u64 time_loop_ns(void (*loop)(u64, u64), u64 n, u64 arg)
{
    u64 t0 = tsc();
    loop(n, arg);
    return ticks_to_ns(tsc() - t0);
}

static void loop_empty(u64 n, u64 arg) { (void)arg, bench_loop_empty(n); }
static void loop_vmmcall(u64 n, u64 arg) { (void)arg, bench_loop_vmmcall(n); }
static void loop_int(u64 n, u64 arg) { (void)arg, bench_loop_int(n); }

/* Instructions per iteration of loop beyond the empty loop, in tenths. */
static void report_loop(const char *name, void (*loop)(u64, u64), u64 arg, u64 n, u64 empty_ns)
{
    loop(n < 100 ? n : 100, arg); /* warm up: first-time paths */
    u64 ns = time_loop_ns(loop, n, arg);
    u64 extra_ns = ns > empty_ns ? ns - empty_ns : 0;
    char extra[64];
    fmt_snprintf(extra, sizeof(extra), "n=%llu", (unsigned long long)n);
    bench_result(name, (extra_ns * 10 + n / 2) / n, extra);
}

static void bench_loops(u64 n)
{
    loop_empty(100, 0);
    u64 empty_ns = time_loop_ns(loop_empty, n, 0);
    bench_result("empty_loop", (empty_ns * 10 + n / 2) / n, "");
    if (bench_under_cvisor)
        report_loop("hypercall", loop_vmmcall, 0, n, empty_ns);
    report_loop("int_roundtrip", loop_int, 0, n, empty_ns);
    report_loop(bench_under_cvisor ? "pio_read" : "pio_read_bare", bench_loop_pio, COM1_SCR, n, empty_ns);
    report_loop(bench_under_cvisor ? "mmio_read" : "mmio_read_bare", bench_loop_mmio, LAPIC + REG_VER, n, empty_ns);
}

/* The local APIC timer, one-shot at divide-by-1: the TSC read just before the write of the
 * initial count, plus the count in TSC ticks, is the deadline; the handler's first instruction
 * stamps the arrival. Under cvisor the deadline runs from when its virtual APIC takes the
 * write, so the write's exit up to there counts in the latency (docs/bench.md). */
static void bench_timer(u64 rounds)
{
    struct stats st = {0};
    u32 count = (u32)(apic_hz / 20000); /* 50 us: well past the HLT */
    u64 delta = count * tsc_hz / apic_hz;
    lapic_wr(REG_TIMER_DIV, 0xb);        /* divide by 1 */
    lapic_wr(REG_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
    for (u64 r = 0; r < rounds; r++) {
        u32 want = timer_hits + 1;
        u32 c = count + (u32)(r % 7);
        u64 d = delta + (r % 7) * tsc_hz / apic_hz;
        u64 t0 = tsc();
        lapic_wr(REG_TIMER_INIT, c);
        if (!wait_count(&timer_hits, want, t0 + tsc_hz)) {
            bench_fail("timer_irq_latency: no timer interrupt");
            return;
        }
        u64 deadline = t0 + d;
        if (timer_hit_tsc < deadline) {
            bench_fail("timer_irq_latency: the interrupt came before its deadline");
            return;
        }
        if (r > 0) /* the first round takes first-time paths */
            stats_add(&st, ticks_to_ns(timer_hit_tsc - deadline));
    }
    stats_report("timer_irq_latency", &st);
}

void guest_secondary_main(u64 context)
{
    (void)context;
    cpu_setup();
    cpu1_up = 1;
    lapic_wr(REG_ICR_HI, 0);
    lapic_wr(REG_ICR_LO, VEC_PONG); /* wakes vCPU 0 from its HLT */
    for (;;)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* vCPU 0 sends VEC_PING to vCPU 1 (APIC id 1), whose handler stamps the time and answers with
 * VEC_PONG. The send is the ICR write right after a TSC read. */
static void bench_ipi(u64 rounds)
{
    long r = guest_cpu_on(1, 1);
    if (r != 0 || !wait_count(&pongs, 1, tsc() + tsc_hz) || cpu1_up != 1) {
        bench_fail("ipi_latency: vCPU 1 did not come up by INIT/SIPI");
        return;
    }
    struct stats lat = {0}, rt = {0};
    lapic_wr(REG_ICR_HI, 1u << 24);
    for (u64 i = 0; i < rounds; i++) {
        u32 want = pongs + 1, want_ping = pings + 1;
        u64 sent = tsc();
        lapic_wr(REG_ICR_LO, VEC_PING);
        if (!wait_count(&pongs, want, sent + tsc_hz) || pings != want_ping) {
            bench_fail("ipi_latency: no answer");
            return;
        }
        if (i > 0) {
            stats_add(&lat, ticks_to_ns(ping_tsc - sent));
            stats_add(&rt, ticks_to_ns(pong_tsc - sent));
        }
    }
    stats_report("ipi_latency", &lat);
    stats_report("ipi_roundtrip", &rt);
}

/* "iters=N rounds=M" anywhere in the multiboot command line. */
static u64 param(const char *s, const char *key, u64 dflt)
{
    size_t k = strlen(key);
    for (; s && *s; s++) {
        if (strncmp(s, key, k) != 0)
            continue;
        u64 v = 0;
        const char *p = s + k;
        if (*p < '0' || *p > '9')
            continue;
        while (*p >= '0' && *p <= '9')
            v = v * 10 + (u64)(*p++ - '0');
        return v ? v : dflt;
    }
    return dflt;
}

void guest_main(u64 boot_arg)
{
    struct guest_cpuid sig = guest_cpuid(0x40000000, 0);
    bench_under_cvisor = sig.ebx == 0x73697663u /* "cvis" */ && sig.eax >= 0x40000010;
    const struct multiboot_info *mi = (const struct multiboot_info *)(unsigned long)boot_arg;
    const char *cmdline =
        guest_multiboot_magic == MULTIBOOT_BOOT_MAGIC && mi && (mi->flags & MULTIBOOT_INFO_CMDLINE)
            ? (const char *)(unsigned long)mi->cmdline
            : NULL;
    u64 iters = param(cmdline, "iters=", 20000), rounds = param(cmdline, "rounds=", 200);
    /* Under icount the TSC is the instruction count at 1 GHz; cvisor's CPUID leaf says what it
     * measured, and the frequency of its virtual APIC timer. */
    if (bench_under_cvisor) {
        struct guest_cpuid f = guest_cpuid(0x40000010, 0);
        tsc_hz = (u64)f.eax * 1000;
        apic_hz = (u64)f.ebx * 1000;
    } else {
        tsc_hz = 1000000000ull;
        apic_hz = QEMU_APIC_HZ;
    }
    bench_say("BENCH-START env=%s tsc=%llu apic=%llu iters=%llu rounds=%llu\n", bench_env(), (unsigned long long)tsc_hz,
        (unsigned long long)apic_hz, (unsigned long long)iters, (unsigned long long)rounds);
    /* The 8259 pair masked (bare, SeaBIOS leaves the PIT's IRQ 0 on vector 8): the local APIC only. */
    guest_outb(0x21, 0xff);
    guest_outb(0xa1, 0xff);
    set_gate(VEC_SOFT, isr_soft);
    set_gate(VEC_TIMER, isr_timer);
    set_gate(VEC_PING, isr_ping);
    set_gate(VEC_PONG, isr_pong);
    cpu_setup();
    if (!tsc_hz || !apic_hz) {
        bench_fail("no TSC or APIC timer frequency");
    } else {
        bench_loops(iters);
        bench_timer(rounds);
        bench_ipi(rounds);
    }
    bench_say("BENCH-END env=%s errors=%u\n", bench_env(), bench_errors);
    guest_system_off();
}
