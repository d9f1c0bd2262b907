/* libFuzzer target for the guest-facing virtual GIC (hv/arch/aarch64/vgic/vgic.c, vgic_v2.c, vgic_v3.c,
 * vgic_regs.c) over the fakes of tests/unit/hv/arch/aarch64/vgic_fake_hw.c (list-register file per pCPU,
 * scheduler kicks, host GIC hooks).
 *
 * Input: a small header choosing the VM shape, then up to MAX_OPS operations:
 *   byte 0  vCPUs 1..8 (bits 2:0), vGIC mode (bits 7:3 % 3: GICv2 + software GICC,
 *           GICv2 + hardware list registers, GICv3)
 *   byte 1  list registers 1..16 (bits 3:0), pCPU layout (bits 5:4), hwid layout (bits 7:6)
 *   byte 2  forwarded (passthrough) SPIs: count (bits 1:0), edge flags (bits 5:2)
 *   ...     one byte per forwarded SPI (INTID 32 + byte)
 *   then    operations: MMIO reads/writes of GICD / GICR / GICC (register-aware or raw offsets,
 *           within and slightly beyond the window, width 1/2/4/8), vgic_raise / vgic_set_level
 *           (any INTID, private copies or NULL vCPU), guest entry (vgic_flush) and exit
 *           (vgic_sync), guest acknowledge/EOI (fake LRs, or GICC_IAR/EOIR/DIR in software
 *           mode), ICC_SGI1R writes (vgic_send_sgi), WFI (vgic_halt_unless_pending), virtual
 *           timer and forwarded host interrupts.
 *
 * The model follows hv/core/sched.c: a vCPU's MMIO, SGI and WFI happen from the guest (the
 * vCPU is entered first if needed); vGIC MMIO is handled on the fast path with the list
 * registers still loaded, and the run loop syncs and re-flushes only when an interrupt was
 * injected or the handler emptied the list registers; an SGI or WFI exit syncs. vCPUs that
 * share a pCPU are never in the guest at the same time.
 *
 * After every operation the invariants in check_all/check_entry are checked, and abort() reports
 * a violation. FUZZ_VGIC_TRACE=1 in the environment prints the decoded operations and the state.
 * Besides code coverage, libFuzzer is fed abstract interrupt state (note_state) so that it keeps
 * inputs reaching new states; the checkers themselves are not instrumented (NOCOV).
 *
 * An SPI sits in the list registers of at most one vCPU: one retargeted (IROUTER/ITARGETSR) while
 * pending in a running vCPU's list register is handed over (the old holder is kicked and gives
 * it up at its sync before the new target may load it). Define FUZZ_VGIC_LAX_SPI_OWNERSHIP to
 * leave that check out. */
#include <stdio.h>
#include <stdlib.h>

#include <hv/vcpu.h>
#include <arch/vgic.h>
#include <hv/vm.h>
#include <lib/string.h>
#include <lib/types.h>

#include "vgic_fake_hw.h"
#include "vgic/vgic_const.h"
#include <drivers/gic_regs.h>

#define MAXV 8
#define MAX_OPS 256

#define GICD_BASE 0x08000000ull
#define GICC_BASE 0x08010000ull
#define GICR_BASE 0x080a0000ull

/* Register offsets: <drivers/gic_regs.h>. */
#define SPURIOUS 1023u

enum mode { MODE_V2_SOFT, MODE_V2_LR, MODE_V3 };

static struct fz {
    struct vm vm;
    struct vcpu v[MAXV];
    bool in_guest[MAXV];
    u32 n;
    enum mode mode;
    u32 nr_lrs;
    u32 fwd[4], nfwd;
} F;

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_vgic invariant violated (%s:%d): ", __FILE__, __LINE__);                       \
        fprintf(stderr, __VA_ARGS__);                                                                        \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)
#define CHECK(c, ...)                                                                                        \
    do {                                                                                                     \
        if (!(c)) {                                                                                          \
            fprintf(stderr, "failed: %s\n", #c);                                                             \
            FAIL("" __VA_ARGS__);                                                                            \
        }                                                                                                    \
    } while (0)

/* The checkers are not what is being fuzzed: no coverage feedback from their loops and compares. */
#define NOCOV __attribute__((no_sanitize("coverage")))

/* FUZZ_VGIC_TRACE=1 in the environment prints the decoded operations (for reproducers). */
static int trace = -1;
#define TRACE(...)                                                                                           \
    do {                                                                                                     \
        if (trace)                                                                                           \
            fprintf(stderr, __VA_ARGS__);                                                                    \
    } while (0)

/* ---- input ---------------------------------------------------------------------------------- */

struct in {
    const u8 *p;
    size_t n;
};

static u8 get8(struct in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}
/* Little-endian; each read sequenced (operand evaluation order is unspecified in C). */
static u16 get16(struct in *in)
{
    u16 lo = get8(in);
    return (u16)(lo | (u16)get8(in) << 8);
}
static u32 get32(struct in *in)
{
    u32 lo = get16(in);
    return lo | (u32)get16(in) << 16;
}
static u64 get64(struct in *in)
{
    u64 lo = get32(in);
    return lo | (u64)get32(in) << 32;
}

static u64 get_value(struct in *in)
{
    u8 m = get8(in);
    switch (m % 8) {
    case 0: return ~0ull;
    case 1: return 1ull << (get8(in) % 64);
    case 2: return get64(in);
    case 3: return 0x0101010101010101ull * get8(in);
    case 4: return 0;
    case 5: return get16(in);
    case 6: return get32(in);
    default: return F.v[get8(in) % F.n].hwid; /* an affinity (IROUTER, SGI1R) that names a vCPU */
    }
}

/* Any INTID. Half the time one of a few "focus" INTIDs (SGI 1, PPI 27, SPIs 32/33/63/64/287), so
 * that register accesses, injections and guest actions meet on the same interrupt; otherwise
 * any in range, just past it, or anything. */
static u32 get_intid(struct in *in)
{
    static const u16 focus[8] = {1, 27, 32, 33, 63, 64, 287, 32};
    u16 r = get16(in);
    switch (r >> 14) {
    case 0:
    case 1: return focus[r & 7];
    case 2: return r % (VGIC_NR_IRQS + 8);
    default: return r & 1 ? (u32)r << 16 | r : (r & 2 ? 1020 : 288) + (r & 0x1c) / 4;
    }
}

/* ---- model ---------------------------------------------------------------------------------- */

static struct vcpu *V(u32 k) { return &F.v[k]; }
static bool lr_mode(void) { return F.mode != MODE_V2_SOFT; }

NOCOV static struct vgic_irq *irq_at(u32 k, u32 intid)
{
    if (intid < VGIC_NR_PRIVATE)
        return &F.v[k].arch.vgic.priv[intid];
    return intid < VGIC_NR_IRQS ? &F.vm.arch.vgic.spi[intid - VGIC_NR_PRIVATE] : NULL;
}

NOCOV static bool pending(const struct vgic_irq *irq) { return irq->pending_latch || (!irq->edge && irq->level); }
NOCOV static bool deliverable(const struct vgic_irq *irq) { return irq->enabled && pending(irq); }
NOCOV static bool hot(const struct vgic_irq *irq) { return irq->active || deliverable(irq); }
/* An active SPI belongs to the vCPU that acknowledged it, otherwise to its routing target. */
NOCOV static u32 owner(const struct vgic_irq *irq) { return irq->active ? irq->active_vcpu : irq->target; }

/* The flush order documented in docs/vgic.md: active first, then lower priority value. */
NOCOV static bool before(const struct vgic_irq *a, const struct vgic_irq *b)
{
    if (a->active != b->active)
        return a->active;
    return a->priority < b->priority;
}

NOCOV static bool in_lr_set(u32 k, u32 intid);

static void on_cpu(u32 k) { fake_hw_on_cpu(V(k)->pcpu); }

/* The expected virtual IRQ line of a software GICv2 CPU interface (IHI 0048B 3.2.x): the CPU
 * interface and the distributor enabled, and a pending, enabled, inactive interrupt for this
 * CPU whose priority is below PMR and whose group priority beats the running priority.
 * Returns the best (lowest) such priority, or 256 when nothing would be signalled. */
NOCOV static u32 soft_best_signalled(u32 k)
{
    const struct vgic_cpu *c = &V(k)->arch.vgic;
    if (!(c->cc_ctlr & 3) || !(F.vm.arch.vgic.ctlr & 1))
        return 256;
    u32 rp = 256;
    for (u32 i = 0; i < c->cc_active_count && i < 16; i++) {
        const struct vgic_irq *irq = irq_at(k, c->cc_active[i]);
        if (irq && irq->priority < rp)
            rp = irq->priority;
    }
    u32 gm = (0xffu << (MIN(c->cc_bpr, 7u) + 1)) & 0xff;
    u32 limit = rp == 256 ? 256 : (rp & gm);
    u32 best = 256;
    for (u32 i = 0; i < VGIC_NR_IRQS; i++) {
        const struct vgic_irq *irq = irq_at(k, i);
        if (i >= VGIC_NR_PRIVATE && irq->target != k)
            continue;
        if (irq->active || !deliverable(irq) || irq->priority >= c->cc_pmr || (irq->priority & gm) >= limit)
            continue;
        if (irq->priority < best)
            best = irq->priority;
    }
    return best;
}

NOCOV static void check_soft_line(u32 k)
{
    bool want = soft_best_signalled(k) != 256;
    CHECK(fake_hw.virq[k] == want, "vcpu %u: virtual IRQ line %d, expected %d", k, fake_hw.virq[k], want);
}

/* At guest entry of vCPU k (after vgic_flush): the list registers hold exactly the best
 * min(#LRs, #candidates) candidates, in order, with the right state, priority and INTID. */
/* An SPI still in another vCPU's list registers (being handed over): not this one's to load. */
NOCOV static bool held_by_other(const struct vgic_irq *irq, u32 k) { return irq->in_lr && irq->lr_holder != k; }

NOCOV static void check_entry(u32 k)
{
    struct vcpu *v = V(k);
    struct vgic_cpu *c = &v->arch.vgic;
    if (!lr_mode()) {
        CHECK(c->lr_used == 0);
        check_soft_line(k);
        return;
    }
    u32 ncand = 0;
    for (u32 i = 0; i < VGIC_NR_IRQS; i++) {
        const struct vgic_irq *irq = irq_at(k, i);
        if (hot(irq) && (i < VGIC_NR_PRIVATE || (owner(irq) == k && !held_by_other(irq, k))))
            ncand++;
    }
    CHECK(c->lr_used == MIN(ncand, F.nr_lrs), "vcpu %u: %u LRs used, %u candidates, %u LRs", k, c->lr_used, ncand,
          F.nr_lrs);
    struct fake_pcpu *p = &fake_hw.pcpu[v->pcpu];
    for (u32 i = 0; i < F.nr_lrs; i++) {
        const struct fake_lr *lr = &p->lr[i];
        if (i >= c->lr_used) {
            CHECK(lr->state == LR_INVALID, "vcpu %u entry: stale LR %u (INTID %u)", k, i, lr->intid);
            continue;
        }
        u32 intid = c->lr_intid[i];
        const struct vgic_irq *irq = irq_at(k, intid);
        CHECK(irq && hot(irq));
        CHECK((lr->intid & 0x3ff) == intid, "LR %u holds %u, bookkeeping says %u", i, lr->intid, intid);
        u32 src = intid < 16 && F.mode == MODE_V2_LR ? (u32)(irq->sgi_source & 7) : 0;
        CHECK(lr->intid >> 10 == src, "LR %u: INTID %#x, source %u", i, lr->intid, src);
        CHECK(lr->priority == irq->priority);
        CHECK(lr->hw == (irq->hw && !fake_hw.hw_link_broken));
        CHECK(lr->eoi == ((irq->eoi_notify || irq->hw) && !lr->hw));
        enum lr_state want = irq->active ? (deliverable(irq) && !irq->hw ? LR_PENDING_ACTIVE : LR_ACTIVE) : LR_PENDING;
        CHECK(lr->state == want, "LR %u (INTID %u): state %d, expected %d", i, intid, lr->state, want);
        if (i > 0)
            CHECK(!before(irq, irq_at(k, c->lr_intid[i - 1])), "LR %u: INTID %u out of order", i, intid);
    }
    if (c->lr_used == F.nr_lrs && ncand > c->lr_used) {
        /* Left out: none may rank before the last one chosen. */
        const struct vgic_irq *last = irq_at(k, c->lr_intid[c->lr_used - 1]);
        for (u32 i = 0; i < VGIC_NR_IRQS; i++) {
            const struct vgic_irq *irq = irq_at(k, i);
            if (!hot(irq) || in_lr_set(k, i) || (i >= VGIC_NR_PRIVATE && (owner(irq) != k || held_by_other(irq, k))))
                continue;
            CHECK(!before(irq, last), "vcpu %u: INTID %u left out for a lower-ranked one", k, i);
        }
        CHECK(fake_hw.pcpu[v->pcpu].hcr_underflow, "overflow without underflow maintenance");
    }
}

/* GICH_LR (GICv2 host) carries the sender of an SGI in CPUID [12:10], and the flush passes it as
 * intid | source << 10; the fake's range check reports those as out of range. Forgive exactly
 * those reports of the flush that just ran (check_entry verifies the full value of every LR). */
/* upto: the list registers (from 0) written since errors_before was read. */
NOCOV static void discount_v2_sgi_source(u32 k, u32 errors_before, u32 upto)
{
    if (F.mode != MODE_V2_LR)
        return;
    u32 benign = 0;
    const struct fake_pcpu *p = &fake_hw.pcpu[V(k)->pcpu];
    for (u32 i = 0; i < upto && i < F.nr_lrs; i++)
        if (p->lr[i].state != LR_INVALID && p->lr[i].intid >= VGIC_NR_IRQS && (p->lr[i].intid & 0x3ff) < 16 &&
            p->lr[i].intid >> 13 == 0)
            benign++;
    if (!benign)
        return;
    CHECK(fake_hw.errors >= errors_before + benign);
    fake_hw.errors -= benign;
    if (errors_before == 0) {
        if (fake_hw.errors == 0)
            fake_hw.first_error[0] = 0;
        else
            snprintf(fake_hw.first_error, sizeof(fake_hw.first_error), "unexplained vgic_lr_write report in flush");
    }
}

static void do_exit(u32 k)
{
    if (!F.in_guest[k])
        return;
    on_cpu(k);
    TRACE("  vcpu%u exit (sync)\n", k);
    vgic_sync(V(k));
    F.in_guest[k] = false;
}

/* The run loop's guest entry: sync what the vCPU had (if it was running), switch the pCPU
 * over from whichever vCPU ran there, flush. A halted vCPU is woken first (spurious wake-ups
 * are allowed). */
static void do_enter(u32 k)
{
    struct vcpu *v = V(k);
    if (v->state == VCPU_HALTED)
        v->state = VCPU_RUNNABLE;
    do_exit(k);
    for (u32 j = 0; j < F.n; j++)
        if (j != k && F.in_guest[j] && V(j)->pcpu == v->pcpu)
            do_exit(j);
    on_cpu(k);
    TRACE("  vcpu%u enter (flush)\n", k);
    u32 errors = fake_hw.errors;
    vgic_flush(v);
    discount_v2_sgi_source(k, errors, v->arch.vgic.lr_used);
    fake_hw_check_entry();
    F.in_guest[k] = true;
    check_entry(k);
}

static void ensure_in_guest(u32 k)
{
    if (!F.in_guest[k])
        do_enter(k);
    on_cpu(k);
}

/* A guest MMIO access by vCPU k, as handle_mmio on the fast path, then the run loop's decision. */
static u64 mmio(u32 k, struct vdev *d, u64 off, u8 w, bool write, u64 val)
{
    struct vcpu *v = V(k);
    struct vgic *g = &F.vm.arch.vgic;
    ensure_in_guest(k);
    bool gicc = F.mode == MODE_V2_SOFT && d == &g->gicr;
    bool iar = gicc && !write && off == GICC_IAR;
    if (iar) {
        /* IAR first resamples the hw lines (a timer the guest stopped is not signalled). */
        spin_lock(&g->lock);
        vgic_resample_locked(&F.vm, v);
        spin_unlock(&g->lock);
    }
    u32 want_prio = iar ? soft_best_signalled(k) : 0;
    u64 inj = g->injected;
    u32 lrs = v->arch.vgic.lr_used;
    u64 r = 0;
    if (write)
        val = w == 8 ? val : val & ((1ull << (8 * w)) - 1); /* what the data abort path hands over */
    TRACE("  vcpu%u %s %s +%#llx width %u%s%#llx\n", k, write ? "write" : "read", d->name,
          (unsigned long long)off, w, write ? " value " : "", (unsigned long long)(write ? val : 0));
    /* The exit vector's fast read (vcpu_arch_fast_abort) must answer exactly as the front-end
     * would, and only for registers without interrupt state (it takes no lock and no sync). */
    u64 fast = 0;
    bool fast_ok = !write && vgic_fast_read(&F.vm, d->base.val + off, w, &fast);
    CHECK(!fast_ok || (w == 4 && d == &g->gicd), "fast read of %s +%#llx width %u in mode %u",
          d->name, (unsigned long long)off, w, F.mode);
    bool ok = write ? d->ops->write(d, v, off, w, val) : d->ops->read(d, v, off, w, &r);
    CHECK(!fast_ok || fast == r, "fast read of %s +%#llx gave %#llx, the front-end %#llx", d->name,
          (unsigned long long)off, (unsigned long long)fast, (unsigned long long)r);
    CHECK(ok, "%s rejected a %u-byte %s at %#llx", d->name, w, write ? "write" : "read", (unsigned long long)off);
    CHECK(g->lock.owner == g->lock.next, "lock held after %s access", d->name);
    if (iar) {
        u32 id = (u32)r & 0x3ff;
        if (want_prio == 256) {
            CHECK((u32)r == SPURIOUS, "IAR returned %#x, nothing signalled", (u32)r);
        } else {
            CHECK(id < VGIC_NR_IRQS, "IAR returned %#x, expected priority %u", (u32)r, want_prio);
            const struct vgic_irq *irq = irq_at(k, id);
            CHECK(irq->active && irq->priority == want_prio, "IAR returned %u (prio %u), best is %u", id,
                  irq->priority, want_prio);
            CHECK(r >> 10 == (id < 16 ? (u32)(irq->sgi_source & 7) : 0));
            CHECK(id < VGIC_NR_PRIVATE || irq->active_vcpu == k);
        }
    }
    bool line_updated = F.mode == MODE_V2_SOFT && (gicc ? (write || iar) : (write && off != GICD_SGIR));
    if (g->injected != inj || v->arch.vgic.lr_used != lrs)
        do_enter(k); /* full path: sync, handle the exit, flush */
    else if (line_updated)
        check_soft_line(k);
    return r;
}

/* ---- register-aware offsets ----------------------------------------------------------------- */

/* A register block: base, bytes per step, steps, and INTIDs per step (0: not indexed by INTID,
 * the step is taken from the input as is). Indexed blocks take an INTID from get_intid. */
struct reg {
    u32 base, stride, count, per;
};

static const struct reg gicd_common[] = {
    {0x000, 4, 4, 0},    {0x080, 4, 32, 32},  {0x100, 4, 32, 32}, {0x180, 4, 32, 32}, {0x200, 4, 32, 32},
    {0x280, 4, 32, 32},  {0x300, 4, 32, 32},  {0x380, 4, 32, 32}, {0x400, 1, 1024, 1}, {0xc00, 4, 64, 16},
};
static const struct reg gicd_v2[] = {
    {0x800, 1, 1024, 1}, {0xf00, 4, 1, 0}, {0xf10, 1, 16, 1}, {0xf20, 1, 16, 1}, {0xfe8, 4, 1, 0}};
static const struct reg gicd_v3[] = {{0x6000, 8, 1024, 1}, {0xd00, 4, 32, 32}, {0xffe8, 4, 1, 0}, {0x6004, 8, 1024, 1}};
static const struct reg gicr_frame[] = {
    {0x0000, 4, 8, 0},    {0xffe8, 4, 1, 0},    {0x10080, 4, 1, 0},   {0x10100, 4, 1, 0},
    {0x10180, 4, 1, 0},   {0x10200, 4, 1, 0},   {0x10280, 4, 1, 0},   {0x10300, 4, 1, 0},
    {0x10380, 4, 1, 0},   {0x10400, 1, 32, 1},  {0x10c00, 4, 2, 16},
};
static const struct reg gicc_regs[] = {{0x00, 4, 11, 0}, {0xfc, 4, 1, 0}, {0x1000, 4, 1, 0}, {0x0c, 4, 1, 0}, {0x10, 4, 1, 0}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static u64 smart_offset(struct in *in, struct vdev *d)
{
    u8 sel = get8(in);
    const struct reg *r;
    u64 frame = 0;
    struct vgic *g = &F.vm.arch.vgic;
    if (d == &g->gicd) {
        size_t ncommon = N(gicd_common);
        size_t nextra = F.mode == MODE_V3 ? N(gicd_v3) : N(gicd_v2);
        size_t i = sel % (ncommon + nextra);
        r = i < ncommon ? &gicd_common[i] : F.mode == MODE_V3 ? &gicd_v3[i - ncommon] : &gicd_v2[i - ncommon];
    } else if (F.mode == MODE_V3) {
        r = &gicr_frame[sel % N(gicr_frame)];
        frame = (u64)((sel >> 4) % (F.n + 1)) * 0x20000; /* one past the last frame, too */
    } else {
        r = &gicc_regs[sel % N(gicc_regs)];
    }
    u32 idx = r->per ? get_intid(in) / r->per : get8(in);
    return frame + r->base + (u64)(idx % r->count) * r->stride;
}

/* ---- operations ----------------------------------------------------------------------------- */

static struct vdev *pick_dev(u8 b)
{
    struct vgic *g = &F.vm.arch.vgic;
    if ((b & 1) && F.mode != MODE_V2_LR) /* a GICv2 VM with hardware LRs has no emulated GICC */
        return &g->gicr;
    return &g->gicd;
}

static void op_mmio(struct in *in, bool write, bool smart)
{
    u32 k = get8(in) % F.n;
    u8 ctl = get8(in);
    struct vdev *d = pick_dev(ctl);
    u8 w = (u8)(1u << ((ctl >> 1) & 3));
    u64 off;
    if (smart) {
        off = smart_offset(in, d);
        if (ctl & 0x80) /* misaligned now and then */
            off += (ctl >> 3) & 7;
    } else {
        u32 raw = get16(in);
        raw |= (u32)get8(in) << 16;
        off = raw % (d->size + 0x40); /* slightly beyond the window too */
        if (!(ctl & 0x80))
            off &= ~(u64)(w - 1);
    }
    u64 val = write ? get_value(in) : 0;
    mmio(k, d, off, w, write, val);
}

static struct vcpu *pick_source_vcpu(u8 b) { return b % (F.n + 1) == F.n ? NULL : V(b % (F.n + 1)); }

static void op_guest_ack(struct in *in)
{
    u32 k = get8(in) % F.n;
    if (lr_mode()) {
        ensure_in_guest(k);
        u8 how = get8(in);
        if (how & 1) {
            fake_guest_ack();
        } else {
            u32 i = (how >> 1) % F.nr_lrs;
            struct fake_lr *lr = &fake_cur()->lr[i];
            if (lr->state == LR_PENDING)
                fake_guest_ack_intid(lr->intid);
        }
    } else {
        mmio(k, &F.vm.arch.vgic.gicr, GICC_IAR, 4, false, 0);
    }
}

static void op_guest_eoi(struct in *in)
{
    u32 k = get8(in) % F.n;
    u8 how = get8(in);
    if (lr_mode()) {
        ensure_in_guest(k);
        u32 i = how % F.nr_lrs;
        struct fake_lr *lr = &fake_cur()->lr[i];
        if (lr->state == LR_ACTIVE || lr->state == LR_PENDING_ACTIVE)
            fake_guest_eoi(lr->intid);
    } else {
        struct vgic_cpu *c = &V(k)->arch.vgic;
        u32 intid;
        if ((how & 3) != 3 && c->cc_active_count)
            intid = c->cc_active[c->cc_active_count - 1]; /* the running one */
        else
            intid = get_intid(in);
        mmio(k, &F.vm.arch.vgic.gicr, (how & 4) ? GICC_DIR : GICC_EOIR, 4, true, intid);
    }
}

/* The guest handles its highest-priority interrupt: acknowledge, then EOI what it got. */
static void op_guest_handle(struct in *in)
{
    u32 k = get8(in) % F.n;
    if (lr_mode()) {
        ensure_in_guest(k);
        u32 id = fake_guest_ack();
        if (id != FAKE_SPURIOUS)
            fake_guest_eoi(id);
    } else {
        u32 id = (u32)mmio(k, &F.vm.arch.vgic.gicr, GICC_IAR, 4, false, 0);
        if (id != SPURIOUS)
            mmio(k, &F.vm.arch.vgic.gicr, GICC_EOIR, 4, true, id);
    }
}

static void op_send_sgi(struct in *in)
{
    u32 k = get8(in) % F.n;
    u8 how = get8(in);
    u64 val;
    if (how & 1) {
        val = get64(in);
    } else {
        /* Well-formed: INTID, a target list, the affinity of some vCPU, maybe IRM. */
        u64 aff = V(get8(in) % F.n)->hwid;
        u16 list = get16(in);
        val = (u64)(how >> 4) << 24 | list | ((aff >> 8) & 0xff) << 16 | ((aff >> 16) & 0xff) << 32 |
              ((aff >> 32) & 0xff) << 48 | ((aff & 0xff) / 16) << 44 | (u64)((how >> 1) & 1) << 40;
    }
    ensure_in_guest(k);
    TRACE("  vcpu%u ICC_SGI1R = %#llx\n", k, (unsigned long long)val);
    /* The exit vector's path (vcpu_arch_fast_sysreg): the SGIs sent to others and the guest
     * resumed, no sync or flush (so the targets' SGI words can stand, and their mailboxes fill);
     * a sender among the targets takes the full path. */
    if ((how & 4) && F.mode == MODE_V3 && vgic_send_sgi_to_others(V(k), val))
        return;
    vgic_send_sgi(V(k), val);
    do_exit(k); /* a trapped system register write takes the full path */
}

static void op_halt(struct in *in)
{
    u32 k = get8(in) % F.n;
    struct vcpu *v = V(k);
    ensure_in_guest(k); /* WFI comes from the guest */
    do_exit(k);
    bool halted = vgic_halt_unless_pending(v);
    TRACE("  vcpu%u WFI: %s\n", k, halted ? "halted" : "stays runnable");
    CHECK(halted == (v->state == VCPU_HALTED));
    if (!halted)
        CHECK(vgic_has_pending(v), "vcpu %u: WFI did not halt, yet nothing is pending", k);
}

static void op_timer(struct in *in)
{
    u8 b = get8(in);
    struct vcpu *v = V(b % F.n);
    u32 k = b % F.n;
    if (b & 0x80) {
        /* The guest stopped its timer (ENABLE = 0, IMASK, or CVAL ahead): the line drops. */
        fake_hw.hw_line[k] = false;
        return;
    }
    /* As vtimer_irq: the physical PPI fired (it can only while not held active for the guest),
     * a level linked to it. */
    fake_hw.hw_line_readable[k] = true;
    fake_hw.hw_line[k] = true;
    if ((b & 0x40) && F.in_guest[k] && F.vm.arch.vgic.delivery == VGIC_DELIVER_LR) {
        /* The tick of a running vCPU: the exit vector's steady tick (guest_switch.S, while the
         * vGIC's gen stands), else straight into a list register under the lock, or else the
         * full exit path (sync, the level, flush). */
        on_cpu(k);
        if (fake_steady_tick(v) || vgic_hw_line_raised_direct(v, 27))
            return;
        do_exit(k);
        spin_lock(&F.vm.arch.vgic.lock);
        v->arch.vgic.priv[27].hw = true;
        spin_unlock(&F.vm.arch.vgic.lock);
        vgic_set_level(&F.vm, v, 27, true);
        do_enter(k);
        return;
    }
    spin_lock(&F.vm.arch.vgic.lock);
    v->arch.vgic.priv[27].hw = true;
    spin_unlock(&F.vm.arch.vgic.lock);
    vgic_set_level(&F.vm, v, 27, true);
}

static void op_host_irq(struct in *in)
{
    if (!F.nfwd)
        return;
    u32 intid = F.fwd[get8(in) % F.nfwd];
    /* The host GIC delivers only what is unmasked. */
    if (fake_hw.host_enabled[intid] && fake_hw.host_handler[intid])
        fake_hw.host_handler[intid](intid, fake_hw.host_arg[intid]);
}

/* Kicked pCPUs take an exit: each vCPU in the guest there syncs and re-flushes, or (as
 * kick_direct in vcpu_arch.c, for list-register delivery) gets its SGIs straight into its list
 * registers where vgic_kick_direct can, which must leave what the flush would. */
static void op_service_kicks(struct in *in)
{
    bool direct = get8(in) & 1;
    for (u32 k = 0; k < F.n; k++) {
        if (!F.in_guest[k] || !fake_hw.kicks[V(k)->pcpu])
            continue;
        if (direct && lr_mode()) {
            on_cpu(k);
            TRACE("  vcpu%u kick (direct)\n", k);
            u32 errors = fake_hw.errors;
            u32 writes = fake_hw.lr_writes;
            bool done = vgic_kick_direct(V(k));
            discount_v2_sgi_source(k, errors, fake_hw.lr_writes - writes); /* it writes from LR 0 on */
            if (done) {
                fake_hw_check_entry();
                check_entry(k);
                continue;
            }
        }
        do_enter(k);
    }
    fake_clear_kicks();
}

/* ---- invariants ----------------------------------------------------------------------------- */

NOCOV static bool in_lr_set(u32 k, u32 intid)
{
    const struct vgic_cpu *c = &V(k)->arch.vgic;
    for (u32 i = 0; i < c->lr_used && i < VGIC_MAX_LRS; i++)
        if (c->lr_intid[i] == intid)
            return true;
    return false;
}

NOCOV static void check_all(void)
{
    struct vm *vm = &F.vm;
    struct vgic *g = &vm->arch.vgic;
    CHECK(g->lock.owner == g->lock.next, "vgic lock left held");
    if (fake_hw.errors)
        FAIL("fake hardware misuse (%u): %s", fake_hw.errors, fake_hw.first_error);

    /* The hot bitmaps flush and WFI scan are exact. */
    for (u32 k = 0; k < F.n; k++)
        for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
            CHECK(((V(k)->arch.vgic.priv_hot >> i) & 1) == hot(&V(k)->arch.vgic.priv[i]), "vcpu %u priv_hot bit %u", k, i);
    for (u32 i = 0; i < VGIC_NR_SPIS; i++)
        CHECK(((g->spi_hot[i / 64] >> (i % 64)) & 1) == hot(&g->spi[i]), "spi_hot bit of INTID %u", i + 32);

    /* Routing stays within the VM. */
    for (u32 i = 0; i < VGIC_NR_SPIS; i++) {
        const struct vgic_irq *irq = &g->spi[i];
        if (F.mode == MODE_V3) {
            CHECK(irq->target < F.n, "INTID %u routed to vCPU %u", i + 32, irq->target);
        } else {
            u32 t = ~0u;
            for (u32 c = 0; c < F.n; c++)
                if (irq->targets & (1u << c)) {
                    t = c;
                    break;
                }
            CHECK(irq->target == t, "INTID %u: target %u for ITARGETSR %#x", i + 32, irq->target, irq->targets);
        }
        /* Active on a vCPU of the VM, or (GICv2, no CPU in ITARGETSR, made active with ISACTIVER) none. */
        if (irq->active)
            CHECK(irq->active_vcpu < F.n || (F.mode != MODE_V3 && irq->active_vcpu == ~0u),
                  "INTID %u active on vCPU %u", i + 32, irq->active_vcpu);
    }

    /* List-register bookkeeping. */
    for (u32 k = 0; k < F.n; k++) {
        const struct vgic_cpu *c = &V(k)->arch.vgic;
        CHECK(c->lr_used <= (lr_mode() ? F.nr_lrs : 0), "vcpu %u lr_used %u", k, c->lr_used);
        if (!F.in_guest[k])
            CHECK(c->lr_used == 0, "vcpu %u out of the guest with %u LRs in use", k, c->lr_used);
        for (u32 i = 0; i < c->lr_used; i++) {
            CHECK(c->lr_intid[i] < VGIC_NR_IRQS);
            for (u32 j = 0; j < i; j++)
                CHECK(c->lr_intid[i] != c->lr_intid[j], "vcpu %u: INTID %u in LRs %u and %u", k, c->lr_intid[i], j, i);
            if (c->lr_intid[i] < VGIC_NR_PRIVATE)
                CHECK(c->priv[c->lr_intid[i]].in_lr);
        }
        for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
            CHECK(!c->priv[i].in_lr || in_lr_set(k, i), "vcpu %u: INTID %u in_lr but in no LR", k, i);
        /* A steady-tick word still standing (the vGIC's gen unchanged) describes the state
         * exactly: the exit vector rewrites that list register on the next tick without looking. */
        if (c->tick_lr_val && c->tick_gen == g->gen) {
            const struct vgic_irq *t = &c->priv[27];
            CHECK(F.in_guest[k] && c->lr_used == c->tick_lr + 1 && c->lr_intid[c->tick_lr] == 27 &&
                      !((c->lr_unlinked >> c->tick_lr) & 1),
                  "vcpu %u: steady tick in LR %u, lr_used %u", k, c->tick_lr, c->lr_used);
            CHECK(t->enabled && t->hw && !t->edge && t->in_lr && t->lr_pending && !t->repend && t->level &&
                      !t->active && !t->pending_latch && t->priority == (u8)(c->tick_lr_val >> 48),
                  "vcpu %u: steady tick, INTID 27 changed since", k);
        }
        /* A standing SGI word (gen unchanged since its kick recorded it) describes the state
         * exactly: a sender only sets the SGI's bit in the mailbox and the next kick rewrites LR 0
         * without the lock. The mailbox holds nothing but that SGI, and only while it sits in a
         * list register (the bit is its repend). */
        if (c->sgi_word && c->sgi_gen == g->gen) {
            u32 n = (u32)__builtin_ctz(c->sgi_word);
            const struct vgic_irq *s = &c->priv[n];
            CHECK(F.mode == MODE_V3 && n < 16 && F.in_guest[k] && c->lr_used == 1 && c->lr_intid[0] == n &&
                      c->priv_hot == c->sgi_word,
                  "vcpu %u: SGI word %u, lr_used %u, priv_hot %#x", k, n, c->lr_used, c->priv_hot);
            CHECK(s->enabled && s->edge && !s->hw && !s->eoi_notify && s->in_lr && s->lr_pending && !s->repend &&
                      !s->active && s->pending_latch,
                  "vcpu %u: SGI word, INTID %u changed since", k, n);
            for (u32 w = 0; w < VGIC_NR_SPIS / 64; w++)
                CHECK(!g->spi_hot[w], "vcpu %u: SGI word with an SPI hot", k);
        }
        /* A sender of another SGI retires the word (raise_sgis) but leaves the mailbox for the
         * target's own pCPU to drain (sgi_mbox_drain_locked: the lock-free kick may be taking the
         * bit right then); until that drain the mailbox may hold the retired word's SGI. */
        CHECK(!c->sgi_word || !(c->sgi_mbox & ~c->sgi_word), "vcpu %u: mailbox %#x, word %#x", k, c->sgi_mbox,
              c->sgi_word);
        if (c->sgi_mbox)
            CHECK(F.in_guest[k] && c->priv[__builtin_ctz(c->sgi_mbox)].in_lr, "vcpu %u: mailbox SGI not in an LR", k);
        CHECK(c->cc_active_count <= 16, "vcpu %u: cc_active_count %u", k, c->cc_active_count);
        for (u32 i = 0; i < c->cc_active_count && i < 16; i++)
            CHECK(c->cc_active[i] < VGIC_NR_IRQS);
        if (!lr_mode())
            CHECK(c->cc_ctlr == (c->cc_ctlr & 0x263u) && c->cc_bpr <= 7);
    }
    u8 holders[VGIC_NR_SPIS] = {0};
    for (u32 k = 0; k < F.n; k++)
        for (u32 i = 0; i < V(k)->arch.vgic.lr_used; i++)
            if (V(k)->arch.vgic.lr_intid[i] >= VGIC_NR_PRIVATE)
                holders[V(k)->arch.vgic.lr_intid[i] - VGIC_NR_PRIVATE]++;
    for (u32 i = 0; i < VGIC_NR_SPIS; i++) {
        CHECK(!g->spi[i].in_lr || holders[i], "INTID %u in_lr but in no LR", i + 32);
#ifndef FUZZ_VGIC_LAX_SPI_OWNERSHIP
        CHECK(holders[i] <= 1, "INTID %u in the list registers of %u vCPUs", i + 32, holders[i]);
#endif
    }

    /* The physical list registers: what an idle pCPU holds is nothing; a running vCPU's LRs
     * beyond those it was given are invalid and the others hold what it was given. */
    if (lr_mode()) {
        for (u32 p = 0; p < FAKE_NR_PCPUS; p++) {
            int run = -1;
            for (u32 k = 0; k < F.n; k++)
                if (F.in_guest[k] && V(k)->pcpu == p) {
                    CHECK(run < 0, "two vCPUs in the guest on pCPU %u", p);
                    run = (int)k;
                }
            u32 used = run < 0 ? 0 : V((u32)run)->arch.vgic.lr_used;
            for (u32 i = 0; i < F.nr_lrs; i++) {
                const struct fake_lr *lr = &fake_hw.pcpu[p].lr[i];
                if (i >= used)
                    CHECK(lr->state == LR_INVALID, "pCPU %u: LR %u (INTID %u) left valid", p, i, lr->intid);
                else if (lr->state != LR_INVALID)
                    CHECK((lr->intid & 0x3ff) == V((u32)run)->arch.vgic.lr_intid[i]);
            }
        }
    } else {
        CHECK(fake_hw.lr_writes == 0, "software delivery wrote list registers");
    }

    /* vCPU states; no lost wake-up: a halted vCPU has nothing enabled and pending. */
    for (u32 k = 0; k < F.n; k++) {
        struct vcpu *v = V(k);
        CHECK(v->state == VCPU_RUNNABLE || v->state == VCPU_HALTED, "vcpu %u state %d", k, v->state);
        if (v->state == VCPU_HALTED) {
            CHECK(!F.in_guest[k]);
            CHECK(!vgic_has_pending(v), "vcpu %u halted with an interrupt pending (lost wake-up)", k);
        }
    }
}

NOCOV static void trace_state(void)
{
    for (u32 k = 0; k < F.n; k++) {
        TRACE("    vcpu%u %s%s lr_used %u:", k, V(k)->state == VCPU_HALTED ? "HALTED" : "runnable",
              F.in_guest[k] ? " in-guest" : "", V(k)->arch.vgic.lr_used);
        for (u32 i = 0; i < VGIC_NR_IRQS; i++) {
            const struct vgic_irq *irq = irq_at(k, i);
            if (i >= VGIC_NR_PRIVATE && k > 0)
                break;
            if (irq->enabled || pending(irq) || irq->active || irq->level)
                TRACE(" %u[%s%s%s%s%s%s]", i, irq->enabled ? "E" : "", irq->pending_latch ? "P" : "",
                      irq->level ? "L" : "", irq->edge ? "e" : "", irq->active ? "A" : "", irq->in_lr ? "R" : "");
            if (irq->active && i >= VGIC_NR_PRIVATE)
                TRACE("@%u", irq->active_vcpu);
            else if (i >= VGIC_NR_PRIVATE && (irq->enabled || pending(irq)))
                TRACE("->%d", (int)irq->target);
        }
        TRACE("\n");
    }
}

/* State feedback: libFuzzer treats these as extra coverage counters. Each operation marks its
 * class with the abstract state of a focus SPI afterwards (enabled, pending latch, level, edge,
 * active, in a list register, owner other than the routing target, owner halted, target halted),
 * so inputs that reach new interrupt states are kept even when they cover no new code. Classes,
 * not opcodes, to keep the corpus (and the fuzzer's memory) from growing without need. */
#define NR_CLASSES 7
__attribute__((section("__libfuzzer_extra_counters"))) static u8 state_counters[NR_CLASSES * 512];

NOCOV static void note_state(u32 code)
{
    /* MMIO write, MMIO read, sources, entry/exit, guest CPU interface, SGI, WFI */
    static const u8 class_of[20] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 6, 2, 2, 3, 3, 4};
    const struct vgic_irq *irq = &F.vm.arch.vgic.spi[0];
    u32 own = owner(irq), tgt = irq->target;
    u32 sig = (u32)irq->enabled | (u32)irq->pending_latch << 1 | (u32)irq->level << 2 | (u32)irq->edge << 3 |
              (u32)irq->active << 4 | (u32)irq->in_lr << 5 | (u32)(own != tgt) << 6 |
              (u32)(own < F.n && V(own)->state == VCPU_HALTED) << 7 |
              (u32)(tgt < F.n && V(tgt)->state == VCPU_HALTED) << 8;
    state_counters[class_of[code] * 512 + sig]++;
}

/* ---- setup and driver ----------------------------------------------------------------------- */

static bool setup(struct in *in)
{
    memset(&F, 0, sizeof(F));
    u8 b0 = get8(in), b1 = get8(in), b2 = get8(in);
    F.n = 1 + (b0 & 7);
    F.mode = (enum mode)((b0 >> 3) % 3);
    F.nr_lrs = 1 + (b1 & 15);
    fake_hw_reset(F.nr_lrs);
    u32 pmode = (b1 >> 4) & 3, hmode = (b1 >> 6) & 3;
    F.vm.id = 1;
    F.vm.state = VM_RUNNING;
    for (u32 i = 0; i < F.n; i++) {
        struct vcpu *v = &F.v[i];
        v->vm = &F.vm;
        v->id = i;
        static const u64 hw[4][MAXV] = {
            {0, 1, 2, 3, 4, 5, 6, 7},
            {0, 1, 2, 0x100, 0x101, 0x10000, 0x100000000ull, 0x0f},
            {0x10, 0x20, 0x1f, 0x11, 0x1000, 0x2000, 0x3000, 0xff},
            {0, 0x100, 0x200, 0x300, 0x10000, 0x20000, 0x100000000ull, 0x200000000ull},
        };
        v->hwid = hw[hmode][i];
        v->pcpu = pmode == 0 ? i : pmode == 1 ? (i * 3 + 2) % 8 : pmode == 2 ? i / 2 : i % 3;
        v->state = VCPU_RUNNABLE;
        F.vm.vcpus[i] = v;
    }
    F.vm.vcpu_count = F.n;
    int rc = F.mode == MODE_V3 ? vgic_v3_create(&F.vm, gpa(GICD_BASE), gpa(GICR_BASE))
                               : vgic_v2_create(&F.vm, gpa(GICD_BASE), gpa(GICC_BASE), F.mode == MODE_V2_SOFT);
    CHECK(rc == 0);
    F.nfwd = b2 & 3;
    for (u32 i = 0; i < F.nfwd; i++) {
        F.fwd[i] = VGIC_NR_PRIVATE + get8(in);
        CHECK(vgic_forward_spi(&F.vm, F.fwd[i], (b2 >> (2 + i)) & 1) == 0);
    }
    return true;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    struct in in = {data, size};
    if (size < 3)
        return 0;
    setup(&in);
    check_all();
    if (trace < 0)
        trace = getenv("FUZZ_VGIC_TRACE") != NULL;
    TRACE("vm: %u vCPUs, %s, %u LRs, %u forwarded SPIs\n", F.n,
          F.mode == MODE_V3 ? "GICv3" : F.mode == MODE_V2_LR ? "GICv2 (list registers)" : "GICv2 (software GICC)",
          F.nr_lrs, F.nfwd);
    for (u32 op = 0; op < MAX_OPS && in.n; op++) {
        u8 code = get8(&in);
        TRACE("op %u: code %u\n", op, code % 20);
        switch (code % 20) {
        case 0:
        case 1:
        case 2: op_mmio(&in, true, true); break;
        case 3: op_mmio(&in, true, false); break;
        case 4: op_mmio(&in, false, true); break;
        case 5: op_mmio(&in, false, false); break;
        case 6: {
            struct vcpu *v = pick_source_vcpu(get8(&in));
            u32 intid = get_intid(&in);
            TRACE("  raise %u (vcpu%d)\n", intid, v ? (int)v->id : -1);
            vgic_raise(&F.vm, v, intid);
            break;
        }
        case 7: {
            u8 b = get8(&in);
            struct vcpu *v = pick_source_vcpu(b & 0x7f);
            u32 intid = get_intid(&in);
            TRACE("  set_level %u = %u (vcpu%d)\n", intid, b >> 7, v ? (int)v->id : -1);
            vgic_set_level(&F.vm, v, intid, b >> 7);
            break;
        }
        case 8: do_enter(get8(&in) % F.n); break;
        case 9: do_exit(get8(&in) % F.n); break;
        case 10: op_guest_ack(&in); break;
        case 11: op_guest_eoi(&in); break;
        case 12: op_guest_handle(&in); break;
        case 13: op_send_sgi(&in); break;
        case 14: op_halt(&in); break;
        case 15: op_timer(&in); break;
        case 16: op_host_irq(&in); break;
        case 17: op_service_kicks(&in); break;
        case 18: {
            struct vcpu *v = V(get8(&in) % F.n);
            if (v->state == VCPU_HALTED)
                v->state = VCPU_RUNNABLE; /* a spurious wake-up */
            break;
        }
        default: op_guest_handle(&in); break;
        }
        if (trace)
            trace_state();
        note_state(code % 20);
        check_all();
    }
    for (u32 k = 0; k < F.n; k++)
        do_exit(k);
    check_all();
    vgic_release(&F.vm);
    return 0;
}
