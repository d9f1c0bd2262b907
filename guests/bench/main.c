/* Guest microbenchmarks for `make bench` (docs/bench.md). The same binary runs under cvisor
 * (configs/vms/bench-aarch64.toml, bench.bin) and directly on QEMU at EL1 (bench.elf), where
 * it measures the baselines. It is meant for QEMU with `-icount shift=0`: the guest-visible
 * clock then advances 1 ns per executed instruction (of every CPU: QEMU runs them round robin
 * in one thread), so each result is a count of instructions.
 *
 * Output, one line per result, parsed by scripts/bench.py:
 *   BENCH-START env=cvisor|bare freq=<Hz> iters=<n> rounds=<n>
 *   BENCH name=<name> value=<decimal> unit=instructions [more key=value]
 *   BENCH-END env=cvisor|bare errors=<n>
 * Under cvisor the lines go through the console hypercall, on bare QEMU straight to the PL011.
 * The iteration counts can be given through QEMU's fw_cfg file "opt/cvisor/bench"
 * ("iters=N rounds=M"); the bench VM config passes fw_cfg through for that.
 *
 * Everything lives in this one file because guests/guests.mk builds a guest from its main.c
 * and the shared runtime only: the EL1 vector table, the timing loops (in assembly, so their
 * instruction counts are known), a minimal GIC driver and the benchmarks.
 *
 * Two builds of this file: bench.{bin,elf} drive a GICv3 (ICC_* system registers), and
 * bench-gicv2.{bin,elf}, built with -DBENCH_GICV2 (guests/guests.mk), drive a GICv2 through its
 * memory-mapped registers (GICD at 0x0800_0000, GICC at 0x0801_0000, SGIs through GICD_SGIR).
 * Everything else, the measurement method included, is the same code. The GICv2 build runs
 * the loops, the timer and the IPI benchmarks (no stage-2 fault-in: its VM configs have no lazy
 * region), the IPI ones only when GICD_TYPER reports two CPU interfaces or more (the passthrough
 * VM has one vCPU); its configs are bench-gicv2-{emu,pt}-aarch64.toml. */
#include "guest.h"
#include "report.h"
#include <drivers/gic_regs.h>
#include <lib/string.h>

/* ---- assembly: vectors, timing loops, timestamps ------------------------------------------ */

/* Vector table. Synchronous exceptions from EL1 return at once if they are SVCs (the SVC
 * round-trip baseline; clobbers x17), IRQs go to bench_irq() with the caller-saved registers
 * saved, and anything else is reported by bench_fatal(). */
__asm__(".macro bench_bad_vector n\n"
        "    .balign 0x80\n"
        "    mov x0, #\\n\n"
        "    b bench_vec_fatal\n"
        ".endm\n"
        "    .section .text.bench_vectors, \"ax\"\n"
        "    .balign 2048\n"
        "    .global bench_vectors\n"
        "bench_vectors:\n"
        "    bench_bad_vector 0\n"
        "    bench_bad_vector 1\n"
        "    bench_bad_vector 2\n"
        "    bench_bad_vector 3\n"
        "    .balign 0x80\n" /* current EL, SP_ELx, synchronous */
        "    mrs x17, esr_el1\n"
        "    lsr x17, x17, #26\n"
        "    cmp x17, #0x15\n" /* EC 0x15: SVC from AArch64 */
        "    b.ne 1f\n"
        "    eret\n"
        "1:  mov x0, #4\n"
        "    b bench_vec_fatal\n"
        "    .balign 0x80\n" /* current EL, SP_ELx, IRQ */
        "    b bench_irq_entry\n"
        "    bench_bad_vector 6\n"
        "    bench_bad_vector 7\n"
        "    bench_bad_vector 8\n"
        "    bench_bad_vector 9\n"
        "    bench_bad_vector 10\n"
        "    bench_bad_vector 11\n"
        "    bench_bad_vector 12\n"
        "    bench_bad_vector 13\n"
        "    bench_bad_vector 14\n"
        "    bench_bad_vector 15\n"
        "    .text\n"
        "bench_vec_fatal:\n"
        "    mrs x1, esr_el1\n"
        "    mrs x2, elr_el1\n"
        "    mrs x3, far_el1\n"
        "    bl bench_fatal\n"
        "2:  b 2b\n"
        "bench_irq_entry:\n"
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
        "    bl bench_irq\n"
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

/* Timing loops: n iterations (n >= 1) of the same three-instruction frame (loading x0 with the
 * HC_NULL function id in two, and the loop counter) with or without the operation measured, so the
 * empty loop's time can be subtracted. They are functions: callers assume the usual
 * caller-saved registers (x0-x17) are clobbered, which covers what an HVC or SVC may change. */
__asm__("    .text\n"
        "    .global bench_loop_empty\n"
        "bench_loop_empty:\n"
        "    mov x9, x0\n"
        "1:  movz x0, #0xc600, lsl #16\n"
        "    movk x0, #0x0100\n"
        "    subs x9, x9, #1\n"
        "    b.ne 1b\n"
        "    ret\n"
        "    .global bench_loop_hvc\n"
        "bench_loop_hvc:\n"
        "    mov x9, x0\n"
        "1:  movz x0, #0xc600, lsl #16\n"
        "    movk x0, #0x0100\n"
        "    hvc #0\n"
        "    subs x9, x9, #1\n"
        "    b.ne 1b\n"
        "    ret\n"
        "    .global bench_loop_svc\n"
        "bench_loop_svc:\n"
        "    mov x9, x0\n"
        "1:  movz x0, #0xc600, lsl #16\n"
        "    movk x0, #0x0100\n"
        "    svc #0\n"
        "    subs x9, x9, #1\n"
        "    b.ne 1b\n"
        "    ret\n"
        "    .global bench_loop_mmio\n" /* x1 = address of a 32-bit device register */
        "bench_loop_mmio:\n"
        "    mov x9, x0\n"
        "1:  movz x0, #0xc600, lsl #16\n"
        "    movk x0, #0x0100\n"
        "    ldr w2, [x1]\n"
        "    subs x9, x9, #1\n"
        "    b.ne 1b\n"
        "    ret\n");

/* Sub-tick timestamps. The counter ticks every 1e9/freq ns (16 ns at QEMU's 62.5 MHz), which
 * is coarse next to the latencies measured; under icount one instruction is exactly 1 ns, so
 * counting instructions up to the next tick edge recovers the time to a few instructions.
 *
 * bench_stamp: reads the counter (read 0), then reads it in a loop until it changes; returns
 * x0 = the first value and x1 = the number of loop reads K. Read k (k >= 1) executes 4k - 2
 * instructions after read 0, so the edge E = (value + 1) ticks lies in (T0 + prev, T0 + 4K - 2]
 * where prev = 0 for K = 1, else 4K - 6: T0 = E - 4K + 3.5 +- 1.5 (K >= 2), or E - 1.5 +- 0.5.
 *
 * bench_edge_sgi: waits for the next tick edge, then writes x0 to ICC_SGI1R_EL1 (GICv2: stores
 * w0 to GICD_SGIR, whose address is set up before the wait) and returns the new counter value;
 * the write follows the edge by 3 to 6 instructions in both builds. */
__asm__("    .text\n"
        "    .global bench_stamp\n"
        "bench_stamp:\n"
        "    isb\n"
        "    mrs x0, cntvct_el0\n"
        "    mov x1, #0\n"
        "1:  mrs x2, cntvct_el0\n"
        "    add x1, x1, #1\n"
        "    cmp x2, x0\n"
        "    b.eq 1b\n"
        "    ret\n"
        "    .global bench_edge_sgi\n"
        "bench_edge_sgi:\n"
        "    mov x3, x0\n"
#ifdef BENCH_GICV2
        "    movz x4, #0x0800, lsl #16\n"
        "    movk x4, #0x0f00\n" /* GICD_SGIR */
#endif
        "    isb\n"
        "    mrs x1, cntvct_el0\n"
        "1:  mrs x0, cntvct_el0\n"
        "    cmp x0, x1\n"
        "    b.eq 1b\n"
#ifdef BENCH_GICV2
        "    str w3, [x4]\n" /* GICD_SGIR */
#else
        "    msr s3_0_c12_c11_5, x3\n" /* ICC_SGI1R_EL1 */
#endif
        "    ret\n");

#define RT_PATTERN 0x5a5a000000000000ull
/* The probes' shared parts. probe_enter: the callee-saved registers, x1 (out) and x0 kept in a
 * 112-byte frame, then x1..x30 set to RT_PATTERN + their number. probe_dump_and_return: x0..x30
 * as they are now stored in out[0..30] (through a 256-byte copy on the stack), the callee-saved
 * registers restored, return. */
__asm__(".macro probe_enter\n"
        "    sub sp, sp, #112\n"
        "    stp x19, x20, [sp, #0]\n"
        "    stp x21, x22, [sp, #16]\n"
        "    stp x23, x24, [sp, #32]\n"
        "    stp x25, x26, [sp, #48]\n"
        "    stp x27, x28, [sp, #64]\n"
        "    stp x29, x30, [sp, #80]\n"
        "    stp x1, x0, [sp, #96]\n"
        "    .irp i,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n"
        "    movz x\\i, #0x5a5a, lsl #48\n"
        "    movk x\\i, #\\i\n"
        "    .endr\n"
        ".endm\n"
        ".macro probe_dump_and_return\n"
        "    sub sp, sp, #256\n"
        "    stp x0, x1, [sp, #0]\n"
        "    stp x2, x3, [sp, #16]\n"
        "    stp x4, x5, [sp, #32]\n"
        "    stp x6, x7, [sp, #48]\n"
        "    stp x8, x9, [sp, #64]\n"
        "    stp x10, x11, [sp, #80]\n"
        "    stp x12, x13, [sp, #96]\n"
        "    stp x14, x15, [sp, #112]\n"
        "    stp x16, x17, [sp, #128]\n"
        "    stp x18, x19, [sp, #144]\n"
        "    stp x20, x21, [sp, #160]\n"
        "    stp x22, x23, [sp, #176]\n"
        "    stp x24, x25, [sp, #192]\n"
        "    stp x26, x27, [sp, #208]\n"
        "    stp x28, x29, [sp, #224]\n"
        "    str x30, [sp, #240]\n"
        "    ldr x1, [sp, #(256 + 96)]\n"
        "    mov x2, #0\n"
        "9:  ldr x3, [sp, x2, lsl #3]\n"
        "    str x3, [x1, x2, lsl #3]\n"
        "    add x2, x2, #1\n"
        "    cmp x2, #31\n"
        "    b.lt 9b\n"
        "    add sp, sp, #256\n"
        "    ldp x19, x20, [sp, #0]\n"
        "    ldp x21, x22, [sp, #16]\n"
        "    ldp x23, x24, [sp, #32]\n"
        "    ldp x25, x26, [sp, #48]\n"
        "    ldp x27, x28, [sp, #64]\n"
        "    ldp x29, x30, [sp, #80]\n"
        "    add sp, sp, #112\n"
        "    ret\n"
        ".endm\n");

/* bench_rt_probe_<n>(addr, out): every general register but x0 (addr) set to RT_PATTERN + its
 * number, then one 32-bit load from addr into w<n> (wzr for zr), then x0..x30 as they are after
 * it stored in out[0..30]. A check of the MMIO path, not a benchmark: cvisor's exit vector
 * answers some of these reads itself, saving and restoring only part of the register file
 * (docs/bench.md). */
__asm__(".macro bench_rt_probe n\n"
        "    .global bench_rt_probe_\\n\n"
        "bench_rt_probe_\\n:\n"
        "    probe_enter\n"
        "    ldr w\\n, [x0]\n"
        "    probe_dump_and_return\n"
        ".endm\n"
        "    .text\n"
        "    bench_rt_probe 0\n"
        "    bench_rt_probe 1\n"
        "    bench_rt_probe 7\n"
        "    bench_rt_probe 18\n"
        "    bench_rt_probe 19\n"
        "    bench_rt_probe 24\n"
        "    bench_rt_probe 29\n"
        "    bench_rt_probe 30\n"
        "    bench_rt_probe zr\n");

/* bench_irq_probe(hits, out): as bench_rt_probe, but instead of a load IRQs are unmasked until the
 * u32 at hits is not zero (the handler's count of timer interrupts, armed by the caller), x0
 * reloaded with hits from the stack; then x0..x30 stored in out[0..30]. A check of the interrupt
 * path: cvisor's exit vector serves the timer's tick itself, saving and restoring only part of
 * the register file (docs/bench.md). */
__asm__("    .text\n"
        "    .global bench_irq_probe\n"
        "bench_irq_probe:\n"
        "    probe_enter\n"
        "    msr daifclr, #2\n"
        "1:  ldr x0, [sp, #104]\n"
        "    ldr w0, [x0]\n"
        "    cbz w0, 1b\n"
        "    msr daifset, #2\n"
        "    probe_dump_and_return\n");

struct stamp {
    u64 ticks;
    u64 reads;
};

extern char bench_vectors[];
void bench_loop_empty(u64 n);
void bench_loop_hvc(u64 n);
void bench_loop_svc(u64 n);
void bench_loop_mmio(u64 n, u64 addr);
#define RT_PROBE(n) void bench_rt_probe_##n(u64 addr, u64 *out);
RT_PROBE(0) RT_PROBE(1) RT_PROBE(7) RT_PROBE(18) RT_PROBE(19) RT_PROBE(24) RT_PROBE(29) RT_PROBE(30) RT_PROBE(zr)
void bench_irq_probe(volatile u32 *hits, u64 *out);
struct stamp bench_stamp(void);
u64 bench_edge_sgi(u64 sgi_value);
void bench_irq(void);
void bench_fatal(u64 vector, u64 esr, u64 elr, u64 far) __attribute__((noreturn));

#define SGI_EDGE_TO_WRITE_NS 4 /* bench_edge_sgi: from the edge to the ICC_SGI1R_EL1/GICD_SGIR write */

/* ---- system registers ----------------------------------------------------------------------- */

#define READ_SYSREG(name)                                                                          \
    ({                                                                                             \
        u64 v_;                                                                                    \
        __asm__ volatile("mrs %0, " name : "=r"(v_));                                              \
        v_;                                                                                        \
    })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " name ", %0" ::"r"((u64)(v)) : "memory")

/* GICv3 CPU interface registers (ICC_*), GIC register offsets: <drivers/gic_regs.h>. */

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void irqs_on(void) { __asm__ volatile("msr daifclr, #2\n isb" ::: "memory"); }
static inline void irqs_off(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* Sleeps until an interrupt arrives and lets it be taken. Interrupts stay masked around the
 * WFI (which still wakes on a pending one), so an interrupt that comes between the caller's
 * check and the WFI is not lost. */
static inline void wait_for_irq(void)
{
    __asm__ volatile("wfi" ::: "memory");
    irqs_on();
    irqs_off();
}

static u64 cnt_freq;

static u64 counter(void)
{
    isb();
    return READ_SYSREG("cntvct_el0");
}

static u64 ticks_to_ns(u64 t)
{
    return t / cnt_freq * 1000000000ull + t % cnt_freq * 1000000000ull / cnt_freq;
}

/* The time of bench_stamp's first counter read, in ns (= instructions under icount). */
static u64 stamp_ns(struct stamp s)
{
    u64 edge = ticks_to_ns(s.ticks + 1);
    return s.reads >= 2 ? edge - 4 * s.reads + 4 : edge - 1;
}

/* ---- output --------------------------------------------------------------------------------- */

void bench_fatal(u64 vector, u64 esr, u64 elr, u64 far)
{
    bench_say("BENCH-ERROR env=%s unexpected exception: vector %llu, ESR %#llx, ELR %#llx, FAR %#llx\n", bench_env(),
        (unsigned long long)vector, (unsigned long long)esr, (unsigned long long)elr,
        (unsigned long long)far);
    bench_say("BENCH-END env=%s errors=%u\n", bench_env(), bench_errors + 1);
    guest_system_off();
}

/* ---- parameters from QEMU's fw_cfg (MMIO interface of the virt board) ----------------------- */

#define FWCFG_BASE 0x09020000ul
#define FWCFG_KEY_SIGNATURE 0x0000
#define FWCFG_KEY_FILE_DIR 0x0019
#define PARAM_FILE "opt/cvisor/bench"

static void fwcfg_select(u16 key) { *(volatile u16 *)(FWCFG_BASE + 8) = __builtin_bswap16(key); }
static u8 fwcfg_u8(void) { return *(volatile u8 *)FWCFG_BASE; }

static u32 fwcfg_be(unsigned bytes)
{
    u32 v = 0;
    while (bytes--)
        v = v << 8 | fwcfg_u8();
    return v;
}

/* Reads the parameter file into buf (NUL-terminated); false when there is none. */
static bool fwcfg_params(char *buf, size_t size)
{
    fwcfg_select(FWCFG_KEY_SIGNATURE);
    if (fwcfg_be(4) != 0x51454d55u) /* "QEMU" */
        return false;
    fwcfg_select(FWCFG_KEY_FILE_DIR);
    u32 count = fwcfg_be(4);
    for (u32 i = 0; i < count && i < 256; i++) {
        u32 fsize = fwcfg_be(4);
        u16 key = (u16)fwcfg_be(2);
        fwcfg_be(2);
        char name[56];
        for (unsigned j = 0; j < sizeof(name); j++)
            name[j] = (char)fwcfg_u8();
        name[sizeof(name) - 1] = 0;
        if (strcmp(name, PARAM_FILE) != 0)
            continue;
        fwcfg_select(key);
        size_t n = MIN((size_t)fsize, size - 1);
        for (size_t j = 0; j < n; j++)
            buf[j] = (char)fwcfg_u8();
        buf[n] = 0;
        return true;
    }
    return false;
}

/* ---- parameters from the device tree's /chosen/bootargs (the VM config's cmdline) ---------- */
/* The scale experiment's VMs (scripts/bench_scale.py) cannot share fw_cfg, so their
 * parameters come through the config's cmdline, which cvisor puts in the generated device
 * tree; x0 at entry points at it. A flat walk of the structure block for a "bootargs"
 * property: the tree is cvisor's own, the walk stays inside the sizes its header gives. */
#define FDT_MAGIC 0xd00dfeedu

static u32 be32_at(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }

static bool fdt_bootargs(u64 dtb, char *buf, size_t size)
{
    const u8 *f = (const u8 *)dtb;
    if (!dtb || be32_at(f) != FDT_MAGIC)
        return false;
    u32 total = be32_at(f + 4), off_struct = be32_at(f + 8), off_strings = be32_at(f + 12),
        size_struct = be32_at(f + 36);
    if (off_struct > total || size_struct > total - off_struct || off_strings > total)
        return false;
    const u8 *p = f + off_struct, *end = p + size_struct;
    while (p + 4 <= end) {
        u32 tok = be32_at(p);
        p += 4;
        if (tok == 1) { /* FDT_BEGIN_NODE: a NUL-terminated name, padded to 4 */
            while (p < end && *p)
                p++;
            p = f + ALIGN_UP((u64)(p + 1 - f), 4);
        } else if (tok == 3) { /* FDT_PROP: len, nameoff, value padded to 4 */
            if (p + 8 > end)
                return false;
            u32 len = be32_at(p), nameoff = be32_at(p + 4);
            p += 8;
            if (len > (u64)(end - p))
                return false;
            if (nameoff < total - off_strings && !strcmp((const char *)f + off_strings + nameoff, "bootargs")) {
                size_t n = MIN((size_t)len, size - 1);
                memcpy(buf, p, n);
                buf[n] = 0;
                return true;
            }
            p = f + ALIGN_UP((u64)(p + len - f), 4);
        } else if (tok == 9) { /* FDT_END */
            break;
        } /* FDT_END_NODE (2), FDT_NOP (4): no payload */
    }
    return false;
}

/* What the parameters may set; unnamed ones keep their defaults. */
struct params {
    u64 iters, rounds;
    u64 start_ms; /* start the benchmarks at this counter time (ms), idling in WFI until then */
    u64 hold;     /* 1: after BENCH-END, stay idle instead of powering the VM off */
};

/* "iters=N rounds=M start_ms=T hold=1": sets what it names, leaves the rest. */
static void parse_params(const char *s, struct params *out)
{
    while (*s) {
        while (*s == ' ' || *s == ',' || *s == '\n')
            s++;
        const char *key = s;
        while (*s && *s != '=' && *s != ' ')
            s++;
        size_t klen = (size_t)(s - key);
        if (*s != '=')
            continue;
        s++;
        u64 v = 0;
        while (*s >= '0' && *s <= '9')
            v = v * 10 + (u64)(*s++ - '0');
        while (*s && *s != ' ' && *s != ',')
            s++;
        if (klen == 5 && !strncmp(key, "iters", 5) && v > 0)
            out->iters = v;
        else if (klen == 6 && !strncmp(key, "rounds", 6) && v > 0)
            out->rounds = v;
        else if (klen == 8 && !strncmp(key, "start_ms", 8))
            out->start_ms = v;
        else if (klen == 4 && !strncmp(key, "hold", 4))
            out->hold = v;
    }
}

/* ---- minimal GIC driver (GICv3, or GICv2 with -DBENCH_GICV2) --------------------------------- */
/* Both: the distributor at 0x0800_0000 (QEMU virt), every private interrupt at priority 0x80,
 * only the ones used enabled, EOImode 0 (EOIR also deactivates). The rest of the guest uses
 * gic_dist_init, gic_cpu_init, gic_my_sgi_dest (what a sender needs to reach this CPU),
 * gic_sgi_value, gic_send_sgi, gic_ack, gic_intid and gic_eoi. */

#define GICD_BASE 0x08000000ul

#define INTID_SGI_PING 1 /* vCPU 0 -> vCPU 1 */
#define INTID_SGI_PONG 2 /* vCPU 1 -> vCPU 0 */
#define INTID_VTIMER 27

static inline u32 rd32(u64 a) { return *(volatile u32 *)a; }
static inline void wr32(u64 a, u32 v) { *(volatile u32 *)a = v; }

#ifdef BENCH_GICV2
#define GIC_VERSION 2
#define GICC_BASE 0x08010000ul
_Static_assert(GICD_SGIR == 0x0f00, "bench_edge_sgi has the GICD_SGIR address built in");

static void gic_dist_init(void) { wr32(GICD_BASE + GICD_CTLR, 1); }

/* Enables the given private interrupts (priority 0x80) and the CPU interface. QEMU's GICv2 has
 * no security extensions (nor does the vGICv2), so every interrupt is Group 0 and an IRQ. */
static bool gic_cpu_init(u32 enable_mask)
{
    wr32(GICD_BASE + GICD_ICENABLER, 0xffffffffu);
    for (u32 i = 0; i < 8; i++)
        wr32(GICD_BASE + GICD_IPRIORITYR + 4 * i, 0x80808080u);
    wr32(GICD_BASE + GICD_ISENABLER, enable_mask);
    wr32(GICC_BASE + GICC_PMR, 0xff);
    wr32(GICC_BASE + GICC_BPR, 0);
    wr32(GICC_BASE + GICC_CTLR, 1); /* EnableGrp0, EOImode 0 */
    return true;
}

/* This CPU's CPU interface mask, from its banked GICD_ITARGETSR0 (0 on a uniprocessor GIC). */
static u64 gic_my_sgi_dest(void)
{
    u32 mask = rd32(GICD_BASE + GICD_ITARGETSR) & 0xff;
    return mask ? mask : 1;
}

/* CPUs behind the distributor (GICD_TYPER.CPUNumber + 1): the IPI benchmark needs two. */
static u32 gic_cpu_count(void) { return ((rd32(GICD_BASE + GICD_TYPER) >> 5) & 7) + 1; }

static u64 gic_sgi_value(u32 intid, u64 dest) { return dest << 16 | intid; } /* TargetListFilter 0 */
static inline void gic_send_sgi(u64 value) { wr32(GICD_BASE + GICD_SGIR, (u32)value); }
static inline u64 gic_ack(void) { return rd32(GICC_BASE + GICC_IAR); }
static inline u32 gic_intid(u64 iar) { return (u32)(iar & 0x3ff); }
static inline void gic_eoi(u64 iar) { wr32(GICC_BASE + GICC_EOIR, (u32)iar); }

#else /* GICv3 */
#define GIC_VERSION 3
#define GICR_BASE 0x080a0000ul
#define GICR_MAX 16

static inline u64 rd64(u64 a) { return *(volatile u64 *)a; }
static u64 my_mpidr(void) { return READ_SYSREG("mpidr_el1") & 0xff00ffffffull; }

static bool wait_bits_clear(u64 reg, u32 bits)
{
    for (u32 i = 0; i < 1000000; i++)
        if (!(rd32(reg) & bits))
            return true;
    return false;
}

static void gic_dist_init(void)
{
    wr32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    if (!wait_bits_clear(GICD_BASE + GICD_CTLR, GICD_CTLR_RWP))
        bench_fail("GICD_CTLR.RWP stuck");
}

/* The redistributor whose GICR_TYPER affinity is this CPU's. */
static u64 gicr_for_me(void)
{
    u64 mpidr = my_mpidr();
    u64 aff = (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24;
    for (u64 i = 0; i < GICR_MAX; i++) {
        u64 base = GICR_BASE + i * GICR_STRIDE;
        u64 typer = rd64(base + GICR_TYPER);
        if (typer >> 32 == aff)
            return base;
        if (typer & GICR_TYPER_LAST)
            break;
    }
    return 0;
}

/* Wakes this CPU's redistributor, enables the given private interrupts (Group 1, priority 0x80)
 * and turns on the system-register CPU interface. */
static bool gic_cpu_init(u32 enable_mask)
{
    u64 rd = gicr_for_me();
    if (!rd) {
        bench_fail("no redistributor for MPIDR %#llx", (unsigned long long)my_mpidr());
        return false;
    }
    wr32(rd + GICR_WAKER, rd32(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
    if (!wait_bits_clear(rd + GICR_WAKER, GICR_WAKER_CHILDREN_ASLEEP))
        bench_fail("GICR_WAKER.ChildrenAsleep stuck");
    wr32(rd + GICR_ICENABLER0, 0xffffffffu);
    wr32(rd + GICR_IGROUPR0, 0xffffffffu);
    for (u32 i = 0; i < 8; i++)
        wr32(rd + GICR_IPRIORITYR + 4 * i, 0x80808080u);
    wr32(rd + GICR_ISENABLER0, enable_mask);

    WRITE_SYSREG(ICC_SRE_EL1, READ_SYSREG(ICC_SRE_EL1) | 1);
    isb();
    WRITE_SYSREG(ICC_PMR_EL1, 0xff);
    WRITE_SYSREG(ICC_BPR1_EL1, 0);
    WRITE_SYSREG(ICC_CTLR_EL1, 0); /* EOImode 0: EOIR also deactivates */
    WRITE_SYSREG(ICC_IGRPEN1_EL1, 1);
    isb();
    return true;
}

static u64 gic_my_sgi_dest(void) { return my_mpidr(); }

/* CPUs behind the distributor: redistributor frames up to the one marked Last (the scale
 * experiment's VMs have one vCPU, the bench VM two). */
static u32 gic_cpu_count(void)
{
    u32 n = 1;
    while (n < GICR_MAX && !(rd64(GICR_BASE + (n - 1) * GICR_STRIDE + GICR_TYPER) & GICR_TYPER_LAST))
        n++;
    return n;
}

static u64 gic_sgi_value(u32 intid, u64 mpidr)
{
    u64 aff0 = mpidr & 0xff, aff1 = (mpidr >> 8) & 0xff, aff2 = (mpidr >> 16) & 0xff,
        aff3 = (mpidr >> 32) & 0xff;
    return aff3 << 48 | (aff0 >> 4) << 44 | aff2 << 32 | (u64)intid << 24 | aff1 << 16 | 1ull << (aff0 & 15);
}

static inline void gic_send_sgi(u64 value) { WRITE_SYSREG(ICC_SGI1R_EL1, value); }
static inline u64 gic_ack(void) { return READ_SYSREG(ICC_IAR1_EL1); }
static inline u32 gic_intid(u64 iar) { return (u32)(iar & 0xffffff); }
static inline void gic_eoi(u64 iar)
{
    WRITE_SYSREG(ICC_EOIR1_EL1, iar);
    isb();
}
#endif

/* ---- interrupt handler and the state shared between the vCPUs -------------------------------- */
/* The MMU is off, so all memory is Device/non-cacheable: volatile plus DSB is enough. */

static volatile u32 timer_hits;
static volatile u64 timer_hit_ns;
static volatile u32 pings;      /* SGI_PING taken on vCPU 1 */
static volatile u64 ping_ns;    /* when */
static volatile u32 pongs;      /* SGI_PONG taken on vCPU 0 */
static volatile u64 pong_ns;
static volatile u32 spurious;
static volatile u32 unexpected;
static volatile u64 sgi_dest_cpu0, sgi_dest_cpu1; /* gic_my_sgi_dest() of each vCPU */
static volatile u32 cpu1_up;

void bench_irq(void)
{
    u64 iar = gic_ack();
    u32 intid = gic_intid(iar);
    if (intid >= 1020) {
        spurious++;
        return;
    }
    struct stamp s = bench_stamp();
    switch (intid) {
    case INTID_VTIMER:
        WRITE_SYSREG("cntv_ctl_el0", 0); /* level-triggered: stop it before the EOI */
        isb();
        timer_hit_ns = stamp_ns(s);
        timer_hits = timer_hits + 1;
        break;
    case INTID_SGI_PING:
        ping_ns = stamp_ns(s);
        dsb();
        pings = pings + 1;
        dsb();
        gic_send_sgi(gic_sgi_value(INTID_SGI_PONG, sgi_dest_cpu0));
        break;
    case INTID_SGI_PONG:
        pong_ns = stamp_ns(s);
        pongs = pongs + 1;
        break;
    default:
        unexpected = unexpected + 1;
        break;
    }
    gic_eoi(iar);
}

/* Waits (in WFI) until *c reaches want, for at most timeout_ms of guest time; a virtual-timer
 * deadline guarantees a wake-up. */
static bool wait_count(volatile u32 *c, u32 want, u64 timeout_ms)
{
    u64 end = counter() + cnt_freq * timeout_ms / 1000;
    WRITE_SYSREG("cntv_cval_el0", end);
    WRITE_SYSREG("cntv_ctl_el0", 1);
    isb();
    bool ok = true;
    while (*c != want) {
        if (counter() >= end) {
            ok = false;
            break;
        }
        wait_for_irq();
    }
    WRITE_SYSREG("cntv_ctl_el0", 0);
    isb();
    return ok;
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
        bench_fail("%s: no samples", name);
        return;
    }
    fmt_snprintf(extra, sizeof(extra), "min=%llu max=%llu n=%llu", (unsigned long long)s->min,
                 (unsigned long long)s->max, (unsigned long long)s->n);
    bench_result(name, (s->sum * 10 + s->n / 2) / s->n, extra);
}

static u64 time_loop_ns(void (*loop)(u64), u64 n)
{
    u64 t0 = counter();
    loop(n);
    u64 t1 = counter();
    return ticks_to_ns(t1 - t0);
}

static void loop_mmio_gicd_typer(u64 n) { bench_loop_mmio(n, GICD_BASE + GICD_TYPER); }

/* Instructions per iteration of loop beyond the empty loop, in tenths. */
static void report_loop(const char *name, void (*loop)(u64), u64 n, u64 empty_ns)
{
    loop(n < 100 ? n : 100); /* warm up: first-time paths (icount does not see QEMU's translation) */
    u64 ns = time_loop_ns(loop, n);
    u64 extra_ns = ns > empty_ns ? ns - empty_ns : 0;
    char extra[64];
    fmt_snprintf(extra, sizeof(extra), "n=%llu", (unsigned long long)n);
    bench_result(name, (extra_ns * 10 + n / 2) / n, extra);
}

static void bench_loops(u64 n)
{
    bench_loop_empty(100);
    u64 empty_ns = time_loop_ns(bench_loop_empty, n);
    bench_result("empty_loop", (empty_ns * 10 + n / 2) / n, "");
    if (bench_under_cvisor)
        report_loop("hypercall", bench_loop_hvc, n, empty_ns);
    report_loop("svc_roundtrip", bench_loop_svc, n, empty_ns);
    report_loop(bench_under_cvisor ? "mmio_read" : "mmio_read_bare", loop_mmio_gicd_typer, n, empty_ns);
}

/* The general registers around a GICD_TYPER load into each probed destination register: the
 * destination gets the value a plain load reads, every other register keeps its value. */
static void check_mmio_registers(void)
{
    static const struct {
        void (*probe)(u64, u64 *);
        u32 rt; /* 31: wzr */
    } probes[] = {{bench_rt_probe_0, 0},   {bench_rt_probe_1, 1},   {bench_rt_probe_7, 7},
                  {bench_rt_probe_18, 18}, {bench_rt_probe_19, 19}, {bench_rt_probe_24, 24},
                  {bench_rt_probe_29, 29}, {bench_rt_probe_30, 30}, {bench_rt_probe_zr, 31}};
    u64 addr = GICD_BASE + GICD_TYPER, want = rd32(addr);
    for (u32 p = 0; p < sizeof(probes) / sizeof(probes[0]); p++) {
        u64 out[31];
        probes[p].probe(addr, out);
        for (u32 i = 0; i < 31; i++) {
            u64 expect = i == probes[p].rt ? want : i == 0 ? addr : RT_PATTERN + i;
            if (out[i] != expect)
                bench_fail("mmio_registers: GICD_TYPER load into %s%u: x%u is %#llx, expected %#llx",
                     probes[p].rt == 31 ? "wzr" : "w", probes[p].rt == 31 ? 0 : probes[p].rt, i,
                     (unsigned long long)out[i], (unsigned long long)expect);
        }
    }
}

/* The general registers around timer interrupts taken while the guest runs (the guest's
 * handler keeps them): all of x1-x30 as they were. Three ticks, so that the ones after the
 * first come the way of a running vCPU's steady state (cvisor: served in the exit vector). */
static void check_irq_registers(void)
{
    for (u32 round = 0; round < 3; round++) {
        u64 out[31];
        timer_hits = 0;
        WRITE_SYSREG("cntv_cval_el0", counter() + cnt_freq / 20000); /* 50 us */
        WRITE_SYSREG("cntv_ctl_el0", 1);
        isb();
        bench_irq_probe(&timer_hits, out);
        for (u32 i = 1; i < 31; i++)
            if (out[i] != RT_PATTERN + i)
                bench_fail("irq_registers: timer interrupt %u: x%u is %#llx, expected %#llx", round, i,
                     (unsigned long long)out[i], (unsigned long long)(RT_PATTERN + i));
    }
}

/* Stage-2 fault-in: the first store to each page of a lazily mapped region (bench config:
 * 0x4800_0000, 2 MiB, flag 0x20) traps and gets the page mapped; the second pass over the same
 * pages is the baseline. On bare QEMU both passes cost the same. */
#define LAZY_BASE 0x48000000ul
#define LAZY_PAGES 512u

static u64 touch_pages(void)
{
    u64 t0 = counter();
    for (u32 i = 0; i < LAZY_PAGES; i++)
        *(volatile u64 *)(LAZY_BASE + (u64)i * 4096) = i;
    return ticks_to_ns(counter() - t0);
}

static void bench_fault_in(void)
{
    u64 first = touch_pages(), second = touch_pages();
    u64 extra = first > second ? first - second : 0;
    char info[48];
    fmt_snprintf(info, sizeof(info), "pages=%u", LAZY_PAGES);
    bench_result(bench_under_cvisor ? "stage2_fault_in" : "stage2_fault_in_bare", (extra * 10 + LAZY_PAGES / 2) / LAZY_PAGES,
           info);
}

/* Virtual timer: program CVAL ahead, sleep in WFI, and stamp in the handler. */
static void bench_timer(u64 rounds)
{
    struct stats st = {0};
    u64 delta = cnt_freq / 20000; /* 50 us ahead: well past the WFI */
    for (u64 r = 0; r < rounds; r++) {
        u32 want = timer_hits + 1;
        u64 cval = counter() + delta + r % 7;
        WRITE_SYSREG("cntv_cval_el0", cval);
        WRITE_SYSREG("cntv_ctl_el0", 1);
        isb();
        u64 limit = cval + cnt_freq; /* 1 s late: give up */
        while (timer_hits != want && counter() < limit)
            wait_for_irq();
        if (timer_hits != want) {
            WRITE_SYSREG("cntv_ctl_el0", 0);
            bench_fail("timer_irq_latency: no timer interrupt in round %llu", (unsigned long long)r);
            return;
        }
        u64 deadline_ns = ticks_to_ns(cval);
        if (r > 0) /* the first round takes first-time paths */
            stats_add(&st, timer_hit_ns - deadline_ns);
    }
    stats_report("timer_irq_latency", &st);
}

void guest_secondary_main(u64 vcpu)
{
    (void)vcpu;
    WRITE_SYSREG("vbar_el1", (u64)(unsigned long)bench_vectors);
    isb();
    sgi_dest_cpu1 = gic_my_sgi_dest();
    bool ok = gic_cpu_init(1u << INTID_SGI_PING);
    dsb();
    cpu1_up = ok ? 1 : 2;
    dsb();
    gic_send_sgi(gic_sgi_value(INTID_SGI_PONG, sgi_dest_cpu0));
    for (;;)
        wait_for_irq();
}

/* vCPU 0 sends SGI_PING to vCPU 1, whose handler stamps the time and answers with SGI_PONG. */
static void bench_ipi(u64 rounds)
{
    sgi_dest_cpu0 = gic_my_sgi_dest();
    dsb();
    long r = guest_cpu_on(1, 1);
    if (r != 0) {
        bench_fail("ipi_latency: PSCI CPU_ON of vCPU 1 returned %ld", r);
        return;
    }
    if (!wait_count(&pongs, 1, 5000) || cpu1_up != 1) {
        bench_fail("ipi_latency: vCPU 1 did not come up (state %u)", cpu1_up);
        return;
    }
    u64 ping = gic_sgi_value(INTID_SGI_PING, sgi_dest_cpu1);
    struct stats lat = {0}, rt = {0};
    for (u64 i = 0; i < rounds; i++) {
        u32 want = pongs + 1, want_ping = pings + 1;
        /* Arm the timeout first so nothing of it runs between the SGI and its arrival. */
        u64 end = counter() + cnt_freq;
        WRITE_SYSREG("cntv_cval_el0", end);
        WRITE_SYSREG("cntv_ctl_el0", 1);
        isb();
        u64 sent_ns = ticks_to_ns(bench_edge_sgi(ping)) + SGI_EDGE_TO_WRITE_NS;
        while (pongs != want && counter() < end)
            wait_for_irq();
        WRITE_SYSREG("cntv_ctl_el0", 0);
        isb();
        if (pongs != want || pings != want_ping) {
            bench_fail("ipi_latency: no answer in round %llu (pings %u, pongs %u)", (unsigned long long)i, pings,
                 pongs);
            return;
        }
        if (i > 0) {
            stats_add(&lat, ping_ns - sent_ns);
            stats_add(&rt, pong_ns - sent_ns);
        }
    }
    stats_report("ipi_latency", &lat);
    stats_report("ipi_roundtrip", &rt);
}

/* Idles in WFI until the counter reaches t, woken by the virtual timer (its handler turns it
 * off; the GIC is set up for it here, which the benchmarks do again later). */
static void idle_until(u64 t)
{
    gic_dist_init();
    if (!gic_cpu_init(1u << INTID_VTIMER | 1u << INTID_SGI_PONG))
        return;
    while (counter() < t) {
        WRITE_SYSREG("cntv_cval_el0", t);
        WRITE_SYSREG("cntv_ctl_el0", 1);
        isb();
        wait_for_irq();
    }
    WRITE_SYSREG("cntv_ctl_el0", 0);
    isb();
}

void guest_main(u64 dtb)
{
    WRITE_SYSREG("vbar_el1", (u64)(unsigned long)bench_vectors);
    isb();
    irqs_off();
    cnt_freq = guest_counter_freq();
    /* HC_NULL answers 0 under cvisor; QEMU's own PSCI (HVC conduit) says NOT_SUPPORTED. */
    bench_under_cvisor = hypercall(HC_NULL, 0, 0) == 0;

    struct params prm = {.iters = 20000, .rounds = 200};
    char params[128];
    if (fdt_bootargs(dtb, params, sizeof(params)) || fwcfg_params(params, sizeof(params)))
        parse_params(params, &prm);
    u64 iters = prm.iters, rounds = prm.rounds;
    if (prm.start_ms && cnt_freq)
        idle_until(prm.start_ms * (cnt_freq / 1000));
    u64 start_ns = ticks_to_ns(counter());
    bench_say("BENCH-START env=%s freq=%llu iters=%llu rounds=%llu gic=%u start_ns=%llu\n", bench_env(),
        (unsigned long long)cnt_freq, (unsigned long long)iters, (unsigned long long)rounds, GIC_VERSION,
        (unsigned long long)start_ns);
    if (!cnt_freq) {
        bench_fail("CNTFRQ_EL0 is 0");
    } else {
        check_mmio_registers();
        bench_loops(iters);
        if (GIC_VERSION == 3) /* the GICv2 configs have no lazy region */
            bench_fault_in();
        gic_dist_init();
        if (gic_cpu_init(1u << INTID_VTIMER | 1u << INTID_SGI_PONG)) {
            check_irq_registers();
            bench_timer(rounds);
            if (gic_cpu_count() >= 2)
                bench_ipi(rounds);
            else
                bench_say("BENCH-INFO env=%s ipi benchmarks skipped: the GIC has one CPU interface\n", bench_env());
        }
        if (spurious || unexpected)
            bench_say("BENCH-INFO env=%s spurious_irqs=%u unexpected_irqs=%u\n", bench_env(), spurious, unexpected);
    }
    bench_say("BENCH-END env=%s errors=%u end_ns=%llu\n", bench_env(), bench_errors,
        (unsigned long long)ticks_to_ns(counter()));
    if (prm.hold) /* stay resident (and idle) until QEMU is stopped */
        for (;;)
            __asm__ volatile("wfi" ::: "memory");
    guest_system_off();
}
