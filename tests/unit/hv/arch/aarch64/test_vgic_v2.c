/* Unit tests of the GICv2 front-end of the virtual GIC (hv/arch/aarch64/vgic/vgic_v2.c) with its software CPU
 * interface (VGIC_DELIVER_SOFT: no list registers, the vCPU's virtual IRQ line is driven from the
 * emulated GICC state), over the generic state machine (hv/arch/aarch64/vgic/vgic.c) and the fakes of
 * tests/unit/hv/arch/aarch64/vgic_fake_hw.c.
 *
 * Conventions: each test builds a VM of fake vCPUs and calls vgic_v2_create(..., true). The guest
 * accesses its distributor (vm->arch.vgic.gicd) and its CPU interface (vm->arch.vgic.gicr, which holds the
 * emulated GICC in this mode) through the vdev ops, always naming the vCPU that performs the
 * access: the private interrupts and the CPU interface are banked by the accessing vCPU.
 * fake_hw.virq[id] is the virtual IRQ line of vCPU id as vcpu_arch_set_virq last set it.
 *
 * When does the line change? A GICD/GICC access updates the accessing vCPU's line before it
 * returns (the guest resumes without another vgic_flush when nothing was injected). Sources that
 * make an interrupt deliverable (vgic_raise, vgic_set_level, SGIs, writes concerning another vCPU)
 * kick the target, whose next guest entry (enter(): vgic_flush) recomputes its line.
 *
 * Register semantics follow the GICv2 architecture specification (Arm IHI 0048B); the offsets
 * below are spelled out independently of vgic_v2.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <hv/vcpu.h>
#include <arch/vgic.h>
#include <hv/vm.h>
#include <lib/string.h>
#include <lib/types.h>

#include "vgic_fake_hw.h"
#include <drivers/gic_regs.h>

/* GICv2 register map: <drivers/gic_regs.h>, the one copy (vgic_v2.c still has its own). */
#define GICD_BASE 0x08000000ull
#define GICC_BASE 0x08010000ull

#define SPURIOUS 1023u
#define SGIR(filter, list, intid) (((u32)(filter) << 24) | ((u32)(list) << 16) | (u32)(intid))

/* ---------------------------------------------------------------------------------------------
 * Fixture: a VM of fake vCPUs with a GICv2 and a software CPU interface. */

#define MAXV 9

struct tvm {
    struct vm vm;
    struct vcpu v[MAXV];
};

/* vCPU i runs on pCPU def_pcpu[i]: different from i, so kicks are checked against the right CPU. */
static const u32 def_pcpu[MAXV] = {2, 3, 4, 6, 7, 5, 1, 0, 0};

static struct tvm *new_vm(u32 n)
{
    struct tvm *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    assert_true(n >= 1 && n <= MAXV);
    t->vm.id = 9;
    t->vm.state = VM_RUNNING;
    for (u32 i = 0; i < n; i++) {
        struct vcpu *v = &t->v[i];
        v->vm = &t->vm;
        v->id = i;
        v->hwid = i;
        v->pcpu = def_pcpu[i];
        v->state = VCPU_RUNNABLE;
        t->vm.vcpus[i] = v;
    }
    t->vm.vcpu_count = n;
    return t;
}

static struct tvm *make_vm(u32 n)
{
    struct tvm *t = new_vm(n);
    assert_int_equal(vgic_v2_create(&t->vm, gpa(GICD_BASE), gpa(GICC_BASE), true), 0);
    return t;
}

static struct tvm *extra_vm; /* a test's second VM, freed by teardown */

static int setup(void **state)
{
    fake_hw_reset(4);
    *state = make_vm(4);
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    free(extra_vm);
    extra_vm = NULL;
    return 0;
}

static void assert_unlocked(struct vm *vm)
{
    assert_int_equal(vm->arch.vgic.lock.owner, vm->arch.vgic.lock.next);
}

/* Every test ends here: the fakes saw no misuse, no list register was ever written (software
 * delivery), and the lock is free. */
static void check_ok(struct tvm *t)
{
    if (fake_hw.errors)
        fail_msg("fake hardware misuse (%u): %s", fake_hw.errors, fake_hw.first_error);
    assert_int_equal(fake_hw.lr_writes, 0);
    assert_unlocked(&t->vm);
}

/* ---------------------------------------------------------------------------------------------
 * Guest register accesses by vCPU `v`. Reads are truncated to the access width, as the MMIO path
 * does before the value reaches the guest. */

static u64 width_mask(u8 w)
{
    return w == 8 ? ~0ull : (1ull << (8 * w)) - 1;
}

static u64 dev_read(struct tvm *t, struct vdev *d, u32 v, u64 off, u8 w)
{
    u64 val = 0xdeadbeefcafef00dull;
    assert_true(d->ops->read(d, &t->v[v], off, w, &val));
    assert_unlocked(&t->vm);
    return val & width_mask(w);
}

static void dev_write(struct tvm *t, struct vdev *d, u32 v, u64 off, u8 w, u64 val)
{
    assert_true(d->ops->write(d, &t->v[v], off, w, val));
    assert_unlocked(&t->vm);
}

static u64 rdd(struct tvm *t, u32 v, u64 off, u8 w)
{
    return dev_read(t, &t->vm.arch.vgic.gicd, v, off, w);
}
static u32 rdd32(struct tvm *t, u32 v, u64 off)
{
    return (u32)rdd(t, v, off, 4);
}
static void wrd(struct tvm *t, u32 v, u64 off, u8 w, u64 val)
{
    dev_write(t, &t->vm.arch.vgic.gicd, v, off, w, val);
}
static void wrd32(struct tvm *t, u32 v, u64 off, u32 val)
{
    wrd(t, v, off, 4, val);
}

static u32 rdc(struct tvm *t, u32 v, u64 off)
{
    return (u32)dev_read(t, &t->vm.arch.vgic.gicr, v, off, 4);
}
static void wrc(struct tvm *t, u32 v, u64 off, u32 val)
{
    dev_write(t, &t->vm.arch.vgic.gicr, v, off, 4, val);
}

static u32 bit(u32 intid)
{
    return 1u << (intid % 32);
}
static u64 reg32(u64 base, u32 intid)
{
    return base + 4 * (intid / 32);
}

static u32 iar(struct tvm *t, u32 v)
{
    return rdc(t, v, GICC_IAR);
}
static void eoir(struct tvm *t, u32 v, u32 val)
{
    wrc(t, v, GICC_EOIR, val);
}
static void dir(struct tvm *t, u32 v, u32 val)
{
    wrc(t, v, GICC_DIR, val);
}
static u32 rpr(struct tvm *t, u32 v)
{
    return rdc(t, v, GICC_RPR);
}

/* The distributor on, and vCPU v's CPU interface on with priority mask pmr. */
static void dist_on(struct tvm *t)
{
    wrd32(t, 0, GICD_CTLR, 1);
}
static void cpu_on(struct tvm *t, u32 v, u8 pmr)
{
    wrc(t, v, GICC_PMR, pmr);
    wrc(t, v, GICC_CTLR, GICC_CTLR_ENABLE);
}

/* Interrupt configuration, by vCPU `v` (matters for the banked INTIDs 0-31). */
static void enable(struct tvm *t, u32 v, u32 intid)
{
    wrd32(t, v, reg32(GICD_ISENABLER, intid), bit(intid));
}
static void disable(struct tvm *t, u32 v, u32 intid)
{
    wrd32(t, v, reg32(GICD_ICENABLER, intid), bit(intid));
}
static void prio(struct tvm *t, u32 v, u32 intid, u8 p)
{
    wrd(t, v, GICD_IPRIORITYR + intid, 1, p);
}
static void set_pending(struct tvm *t, u32 v, u32 intid)
{
    wrd32(t, v, reg32(GICD_ISPENDR, intid), bit(intid));
}
static bool is_pending(struct tvm *t, u32 v, u32 intid)
{
    return rdd32(t, v, reg32(GICD_ISPENDR, intid)) & bit(intid);
}
static bool is_active(struct tvm *t, u32 v, u32 intid)
{
    return rdd32(t, v, reg32(GICD_ISACTIVER, intid)) & bit(intid);
}
static void target(struct tvm *t, u32 intid, u8 targets)
{
    wrd(t, 0, GICD_ITARGETSR + intid, 1, targets);
}

/* An SPI enabled with priority p and ITARGETSR byte targets (configured by vCPU 0). */
static void spi(struct tvm *t, u32 intid, u8 p, u8 targets)
{
    prio(t, 0, intid, p);
    target(t, intid, targets);
    enable(t, 0, intid);
}

/* Guest entry of vCPU v on its pCPU, as hv/core/sched.c does before each vcpu_arch_run. */
static void enter(struct tvm *t, u32 v)
{
    fake_hw_on_cpu(t->v[v].pcpu);
    vgic_flush(&t->v[v]);
    assert_unlocked(&t->vm);
}

static bool line(u32 v)
{
    return fake_hw.virq[v];
}

/* The line of vCPU v after a guest entry. */
static bool line_after_entry(struct tvm *t, u32 v)
{
    enter(t, v);
    return line(v);
}

/* ---------------------------------------------------------------------------------------------
 * Creation and identification. */

static void create_devices_and_resets(void **state)
{
    struct tvm *t = *state;
    struct vm *vm = &t->vm;
    assert_true(vm->arch.vgic.present);
    assert_int_equal(vm->arch.vgic.version, 2);
    assert_int_equal(vm->arch.vgic.delivery, VGIC_DELIVER_SOFT);
    assert_int_equal(vm->arch.vgic.gicc_base.val, GICC_BASE);
    bool seen_d = false, seen_c = false;
    for (struct vdev *d = vm->devices; d; d = d->next) {
        if (d == &vm->arch.vgic.gicd) {
            seen_d = true;
            assert_int_equal(d->base.val, GICD_BASE);
            assert_int_equal(d->size, 0x1000);
        } else if (d == &vm->arch.vgic.gicr) {
            seen_c = true;
            assert_int_equal(d->base.val, GICC_BASE);
            assert_int_equal(d->size, 0x2000); /* GICC_DIR is at 0x1000 */
        }
    }
    assert_true(seen_d && seen_c);

    /* Reset: distributor and CPU interfaces off, priority mask 0, idle, nothing pending. */
    assert_int_equal(rdd32(t, 0, GICD_CTLR), 0);
    for (u32 v = 0; v < 4; v++) {
        assert_int_equal(rdc(t, v, GICC_CTLR), 0);
        assert_int_equal(rdc(t, v, GICC_PMR), 0);
        assert_int_equal(rpr(t, v), 0xff);
        assert_int_equal(rdc(t, v, GICC_HPPIR), SPURIOUS);
        assert_int_equal(iar(t, v), SPURIOUS);
        assert_int_equal(rdd32(t, v, GICD_ISENABLER), 0);
        assert_int_equal(rdd32(t, v, GICD_ISPENDR), 0);
        assert_int_equal(rdd32(t, v, GICD_ICFGR), 0xaaaaaaaau); /* SGIs: edge */
        assert_int_equal(rdd32(t, v, GICD_ICFGR + 4), 0);        /* PPIs: level */
        assert_false(line(v));
    }
    for (u32 r = 1; r < VGIC_NR_IRQS / 32; r++) {
        assert_int_equal(rdd32(t, 0, GICD_ISENABLER + 4 * r), 0);
        assert_int_equal(rdd32(t, 0, GICD_ISPENDR + 4 * r), 0);
        assert_int_equal(rdd32(t, 0, GICD_ISACTIVER + 4 * r), 0);
    }
    for (u32 i = 32; i < VGIC_NR_IRQS; i += 4)
        assert_int_equal(rdd32(t, 0, GICD_ITARGETSR + i), 0);
    assert_int_equal(fake_hw.total_kicks, 0);

    /* GICv2 names at most 8 CPUs. */
    extra_vm = new_vm(9);
    assert_int_equal(vgic_v2_create(&extra_vm->vm, gpa(GICD_BASE), gpa(GICC_BASE), true), -1);
    assert_false(extra_vm->vm.arch.vgic.present);
    check_ok(t);
}

static void gicd_typer_pidr2_ctlr(void **state)
{
    struct tvm *t = *state;
    u32 typer = rdd32(t, 0, GICD_TYPER);
    assert_int_equal(typer & 0x1f, VGIC_NR_IRQS / 32 - 1); /* ITLinesNumber: 32(N+1) INTIDs */
    assert_int_equal((typer >> 5) & 7, 3);                 /* CPUNumber: 4 vCPUs */
    assert_int_equal(typer & (1u << 10), 0);               /* no Security Extensions */
    assert_int_equal(rdd32(t, 3, GICD_TYPER), typer);      /* not banked */
    assert_int_equal((rdd32(t, 0, GICD_PIDR2_V2) >> 4) & 0xf, 2); /* ArchRev: GICv2 */
    assert_int_equal(rdd32(t, 0, GICD_IIDR) & 0xfff, 0x43b); /* implementer: Arm */

    /* Only Enable (bit 0) is writable. */
    wrd32(t, 0, GICD_CTLR, 0xffffffffu);
    assert_int_equal(rdd32(t, 1, GICD_CTLR), 1);
    wrd32(t, 1, GICD_CTLR, 0);
    assert_int_equal(rdd32(t, 0, GICD_CTLR), 0);

    /* CPUNumber follows the vCPU count: 1 and 8 vCPUs. */
    static const u32 counts[] = {1, 8};
    for (u32 k = 0; k < 2; k++) {
        struct tvm *o = make_vm(counts[k]);
        assert_int_equal((rdd32(o, 0, GICD_TYPER) >> 5) & 7, counts[k] - 1);
        assert_int_equal(rdd32(o, 0, GICD_TYPER) & 0x1f, VGIC_NR_IRQS / 32 - 1);
        free(o);
    }
    check_ok(t);
}

static void igroupr_raz_wi(void **state)
{
    struct tvm *t = *state;
    for (u32 r = 0; r < VGIC_NR_IRQS / 32; r++) {
        assert_int_equal(rdd32(t, 0, GICD_IGROUPR + 4 * r), 0);
        wrd32(t, 0, GICD_IGROUPR + 4 * r, 0xffffffffu);
        wrd32(t, 1, GICD_IGROUPR + 4 * r, 0xffffffffu);
        assert_int_equal(rdd32(t, 0, GICD_IGROUPR + 4 * r), 0);
        assert_int_equal(rdd32(t, 1, GICD_IGROUPR + 4 * r), 0);
    }
    /* Everything stays in group 0: enabling group 0 at the CPU interface signals an SPI. */
    dist_on(t);
    cpu_on(t, 0, 0xf0);
    spi(t, 40, 0xa0, 0x01);
    set_pending(t, 0, 40);
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 40);
    check_ok(t);
}

/* ---------------------------------------------------------------------------------------------
 * Banked registers: INTIDs 0-31 are per vCPU. */

static void banked_enable_and_priority(void **state)
{
    struct tvm *t = *state;
    wrd32(t, 0, GICD_ISENABLER, bit(5) | bit(27));
    assert_int_equal(rdd32(t, 0, GICD_ISENABLER), bit(5) | bit(27));
    assert_int_equal(rdd32(t, 1, GICD_ISENABLER), 0);
    wrd32(t, 1, GICD_ISENABLER, bit(16));
    assert_int_equal(rdd32(t, 1, GICD_ICENABLER), bit(16));
    assert_int_equal(rdd32(t, 0, GICD_ISENABLER), bit(5) | bit(27));
    wrd32(t, 0, GICD_ICENABLER, bit(5));
    assert_int_equal(rdd32(t, 0, GICD_ISENABLER), bit(27));
    assert_int_equal(rdd32(t, 1, GICD_ISENABLER), bit(16));
    assert_int_equal(rdd32(t, 2, GICD_ISENABLER), 0);

    prio(t, 0, 27, 0x40);
    assert_int_equal(rdd(t, 0, GICD_IPRIORITYR + 27, 1), 0x40);
    assert_int_equal(rdd(t, 1, GICD_IPRIORITYR + 27, 1), 0);
    prio(t, 1, 27, 0x80);
    prio(t, 1, 3, 0x10);
    assert_int_equal(rdd32(t, 0, GICD_IPRIORITYR + 24), 0x40000000u);
    assert_int_equal(rdd32(t, 1, GICD_IPRIORITYR + 24), 0x80000000u);
    assert_int_equal(rdd32(t, 1, GICD_IPRIORITYR + 0), 0x10000000u);
    assert_int_equal(rdd32(t, 0, GICD_IPRIORITYR + 0), 0);

    /* SPIs are not banked. */
    prio(t, 0, 40, 0x30);
    assert_int_equal(rdd(t, 1, GICD_IPRIORITYR + 40, 1), 0x30);
    enable(t, 2, 40);
    assert_int_equal(rdd32(t, 3, reg32(GICD_ISENABLER, 40)), bit(40));

    /* Banked pending state: the same PPI pended on vCPU 1 only. */
    set_pending(t, 1, 20);
    assert_true(is_pending(t, 1, 20));
    assert_false(is_pending(t, 0, 20));
    check_ok(t);
}

static void itargetsr_private_reads_own_bit(void **state)
{
    struct tvm *t = *state;
    for (u32 v = 0; v < 4; v++) {
        u32 want = 0x01010101u << v;
        for (u32 r = 0; r < 8; r++)
            assert_int_equal(rdd32(t, v, GICD_ITARGETSR + 4 * r), want);
        assert_int_equal(rdd(t, v, GICD_ITARGETSR + 13, 1), 1u << v);
        /* Read-only. */
        wrd32(t, v, GICD_ITARGETSR, 0xffffffffu);
        wrd(t, v, GICD_ITARGETSR + 31, 1, 0);
        assert_int_equal(rdd32(t, v, GICD_ITARGETSR), want);
        assert_int_equal(rdd32(t, v, GICD_ITARGETSR + 28), want);
    }
    assert_int_equal(rdd32(t, 0, GICD_ITARGETSR), 0x01010101u);
    assert_int_equal(rdd32(t, 1, GICD_ITARGETSR), 0x02020202u);
    check_ok(t);
}

/* ---------------------------------------------------------------------------------------------
 * SPI routing with ITARGETSR. */

static void itargetsr_spi_byte_access(void **state)
{
    struct tvm *t = *state;
    wrd(t, 0, GICD_ITARGETSR + 32, 1, 0x01);
    wrd(t, 0, GICD_ITARGETSR + 33, 1, 0x02);
    wrd(t, 1, GICD_ITARGETSR + 34, 1, 0x0c);
    wrd(t, 2, GICD_ITARGETSR + 35, 1, 0x80);
    assert_int_equal(rdd32(t, 0, GICD_ITARGETSR + 32), 0x800c0201u);
    assert_int_equal(rdd32(t, 3, GICD_ITARGETSR + 32), 0x800c0201u); /* not banked */
    assert_int_equal(rdd(t, 1, GICD_ITARGETSR + 34, 1), 0x0c);

    wrd32(t, 0, GICD_ITARGETSR + 40, 0x04030201u);
    for (u32 b = 0; b < 4; b++)
        assert_int_equal(rdd(t, 0, GICD_ITARGETSR + 40 + b, 1), b + 1);
    wrd(t, 0, GICD_ITARGETSR + 42, 1, 0x08);
    assert_int_equal(rdd32(t, 0, GICD_ITARGETSR + 40), 0x04080201u);
    /* The last one. */
    wrd32(t, 0, GICD_ITARGETSR + VGIC_NR_IRQS - 4, 0x08040201u);
    assert_int_equal(rdd32(t, 0, GICD_ITARGETSR + VGIC_NR_IRQS - 4), 0x08040201u);
    check_ok(t);
}

static void spi_without_target_not_delivered(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    for (u32 v = 0; v < 4; v++)
        cpu_on(t, v, 0xf0);
    fake_clear_kicks();
    spi(t, 40, 0xa0, 0x00);
    set_pending(t, 0, 40);
    vgic_set_level(&t->vm, NULL, 41, true);
    spi(t, 41, 0xa0, 0x80); /* CPU 7: no such vCPU */
    assert_int_equal(fake_hw.total_kicks, 0);
    assert_true(is_pending(t, 0, 40));
    assert_true(is_pending(t, 0, 41));
    for (u32 v = 0; v < 4; v++) {
        assert_false(line_after_entry(t, v));
        assert_false(vgic_has_pending(&t->v[v]));
        assert_int_equal(rdc(t, v, GICC_HPPIR), SPURIOUS);
        assert_int_equal(iar(t, v), SPURIOUS);
    }
    assert_false(is_active(t, 0, 40));
    check_ok(t);
}

static void spi_multi_target_lowest_vcpu(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    for (u32 v = 0; v < 4; v++)
        cpu_on(t, v, 0xf0);
    spi(t, 40, 0xa0, 0x0c); /* CPUs 2 and 3 */
    fake_clear_kicks();
    set_pending(t, 0, 40);
    assert_int_equal(fake_hw.kicks[t->v[2].pcpu], 1);
    assert_int_equal(fake_hw.total_kicks, 1);
    assert_false(line_after_entry(t, 0));
    assert_false(line_after_entry(t, 1));
    assert_false(line_after_entry(t, 3));
    assert_true(line_after_entry(t, 2));
    assert_int_equal(iar(t, 3), SPURIOUS);
    assert_int_equal(iar(t, 2), 40);
    eoir(t, 2, 40);

    spi(t, 41, 0xa0, 0x0a); /* CPUs 1 and 3 */
    set_pending(t, 0, 41);
    assert_true(line_after_entry(t, 1));
    assert_false(line_after_entry(t, 3));
    assert_int_equal(iar(t, 1), 41);
    check_ok(t);
}

static void retarget_pending_spi_wakes_halted_vcpu(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    for (u32 v = 0; v < 4; v++)
        cpu_on(t, v, 0xf0);
    spi(t, 40, 0xa0, 0x00);
    set_pending(t, 0, 40);
    assert_true(vgic_halt_unless_pending(&t->v[1])); /* nothing for vCPU 1: WFI sleeps */
    assert_int_equal(t->v[1].state, VCPU_HALTED);
    fake_clear_kicks();

    target(t, 40, 0x02); /* written by vCPU 0 */
    assert_int_equal(t->v[1].state, VCPU_RUNNABLE);
    assert_int_equal(fake_hw.kicks[t->v[1].pcpu], 1);
    assert_true(line_after_entry(t, 1));
    assert_int_equal(rdc(t, 1, GICC_HPPIR), 40);

    /* Moved away again before vCPU 1 took it: the writer's own line follows at once. */
    target(t, 40, 0x01);
    assert_true(line(0));
    assert_false(line_after_entry(t, 1));
    assert_int_equal(iar(t, 1), SPURIOUS);
    assert_int_equal(iar(t, 0), 40);
    assert_false(line(0));
    check_ok(t);
}

/* ---------------------------------------------------------------------------------------------
 * SGIs: GICD_SGIR, SPENDSGIR/CPENDSGIR. */

static void sgi_setup(struct tvm *t, u32 sgi)
{
    dist_on(t);
    for (u32 v = 0; v < 4; v++) {
        cpu_on(t, v, 0xf0);
        prio(t, v, sgi, 0x80);
        enable(t, v, sgi);
    }
    fake_clear_kicks();
}

static void sgir_target_list(void **state)
{
    struct tvm *t = *state;
    sgi_setup(t, 3);
    wrd32(t, 2, GICD_SGIR, SGIR(0, 0x0a, 3)); /* vCPU 2 -> CPUs 1 and 3 */
    assert_false(is_pending(t, 0, 3));
    assert_true(is_pending(t, 1, 3));
    assert_false(is_pending(t, 2, 3));
    assert_true(is_pending(t, 3, 3));
    assert_int_equal(fake_hw.kicks[t->v[1].pcpu], 1);
    assert_int_equal(fake_hw.kicks[t->v[3].pcpu], 1);
    assert_int_equal(fake_hw.total_kicks, 2);
    assert_false(line_after_entry(t, 0));
    assert_true(line_after_entry(t, 1));
    assert_int_equal(rdc(t, 1, GICC_HPPIR), 3 | (2u << 10));
    assert_int_equal(iar(t, 1), 3 | (2u << 10)); /* CPUID: the sender */
    assert_false(is_pending(t, 1, 3));
    assert_true(is_active(t, 1, 3));
    eoir(t, 1, 3 | (2u << 10));
    assert_false(is_active(t, 1, 3));
    assert_int_equal(iar(t, 3), 3 | (2u << 10));

    /* List bits beyond the VM's vCPUs are ignored. */
    wrd32(t, 0, GICD_SGIR, SGIR(0, 0xf0, 3));
    for (u32 v = 0; v < 3; v++)
        assert_false(is_pending(t, v, 3));
    check_ok(t);
}

static void sgir_all_but_self(void **state)
{
    struct tvm *t = *state;
    sgi_setup(t, 7);
    wrd32(t, 1, GICD_SGIR, SGIR(1, 0x00, 7));
    assert_true(is_pending(t, 0, 7));
    assert_false(is_pending(t, 1, 7));
    assert_true(is_pending(t, 2, 7));
    assert_true(is_pending(t, 3, 7));
    assert_int_equal(fake_hw.kicks[t->v[1].pcpu], 0);
    for (u32 v = 0; v < 4; v++)
        assert_int_equal(iar(t, v), v == 1 ? SPURIOUS : 7 | (1u << 10));
    check_ok(t);
}

static void sgir_self_only(void **state)
{
    struct tvm *t = *state;
    sgi_setup(t, 0);
    wrd32(t, 3, GICD_SGIR, SGIR(2, 0xff, 0)); /* the target list is ignored */
    for (u32 v = 0; v < 3; v++)
        assert_false(is_pending(t, v, 0));
    assert_true(is_pending(t, 3, 0));
    assert_int_equal(fake_hw.kicks[t->v[3].pcpu], 1); /* the exit takes the full path */
    assert_true(line_after_entry(t, 3));
    assert_int_equal(iar(t, 3), 0 | (3u << 10));

    /* Filter 3 is reserved: nothing. */
    wrd32(t, 0, GICD_SGIR, SGIR(3, 0xff, 0));
    for (u32 v = 0; v < 3; v++)
        assert_false(is_pending(t, v, 0));
    check_ok(t);
}

static void spendsgir_cpendsgir(void **state)
{
    struct tvm *t = *state;
    sgi_setup(t, 5);
    disable(t, 0, 2);
    /* vCPU 1 sends SGI 2 to vCPU 0: byte 2 of vCPU 0's SPENDSGIR0 names CPU 1. */
    wrd32(t, 1, GICD_SGIR, SGIR(0, 0x01, 2));
    assert_int_equal(rdd32(t, 0, GICD_SPENDSGIR), 0x02u << 16);
    assert_int_equal(rdd32(t, 0, GICD_CPENDSGIR), 0x02u << 16);
    assert_int_equal(rdd(t, 0, GICD_SPENDSGIR + 2, 1), 0x02);
    assert_int_equal(rdd32(t, 1, GICD_SPENDSGIR), 0); /* banked */

    /* Set SGI 5 pending as if from CPU 3. */
    wrd(t, 0, GICD_SPENDSGIR + 5, 1, 0x08);
    assert_int_equal(rdd32(t, 0, GICD_SPENDSGIR + 4), 0x08u << 8);
    assert_true(is_pending(t, 0, 5));
    assert_false(is_pending(t, 1, 5));
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 5 | (3u << 10));
    eoir(t, 0, 5 | (3u << 10));
    assert_int_equal(rdd32(t, 0, GICD_SPENDSGIR + 4), 0);

    /* Clear SGI 2. */
    wrd(t, 0, GICD_CPENDSGIR + 2, 1, 0x02);
    assert_false(is_pending(t, 0, 2));
    assert_int_equal(rdd32(t, 0, GICD_SPENDSGIR), 0);
    enable(t, 0, 2);
    assert_false(line(0));
    assert_int_equal(iar(t, 0), SPURIOUS);

    /* Writing zero bits changes nothing. */
    wrd(t, 0, GICD_SPENDSGIR + 6, 1, 0);
    assert_false(is_pending(t, 0, 6));
    wrd(t, 1, GICD_SPENDSGIR + 6, 1, 0x01);
    wrd(t, 1, GICD_CPENDSGIR + 6, 1, 0);
    assert_true(is_pending(t, 1, 6));
    check_ok(t);
}

/* ---------------------------------------------------------------------------------------------
 * Software CPU interface. */

static void line_needs_both_enables_and_pmr(void **state)
{
    struct tvm *t = *state;
    spi(t, 40, 0xa0, 0x01);
    set_pending(t, 0, 40);
    assert_false(line_after_entry(t, 0)); /* everything off */
    wrc(t, 0, GICC_CTLR, GICC_CTLR_ENABLE);
    assert_false(line(0)); /* PMR 0 masks everything */
    wrc(t, 0, GICC_PMR, 0xf0);
    assert_int_equal(rdc(t, 0, GICC_PMR), 0xf0);
    assert_false(line(0)); /* distributor off */
    assert_int_equal(iar(t, 0), SPURIOUS);
    dist_on(t);
    assert_true(line(0));
    assert_true(line_after_entry(t, 0));
    wrc(t, 0, GICC_CTLR, 0);
    assert_false(line(0));
    assert_false(line_after_entry(t, 0));
    assert_int_equal(iar(t, 0), SPURIOUS);
    wrc(t, 0, GICC_CTLR, GICC_CTLR_ENABLE);
    assert_true(line(0));

    /* Priority must be strictly higher (lower value) than the mask. */
    wrc(t, 0, GICC_PMR, 0xa0);
    assert_false(line(0));
    assert_false(line_after_entry(t, 0));
    assert_int_equal(iar(t, 0), SPURIOUS);
    wrc(t, 0, GICC_PMR, 0xa8);
    assert_true(line(0));

    /* A disabled interrupt is not signalled. */
    disable(t, 0, 40);
    assert_false(line(0));
    enable(t, 0, 40);
    assert_true(line(0));
    wrd32(t, 0, GICD_CTLR, 0);
    assert_false(line(0));
    assert_false(line_after_entry(t, 0));
    for (u32 v = 1; v < 4; v++)
        assert_false(line_after_entry(t, v));
    check_ok(t);
}

/* GICC_PMR is compared with the interrupt's full priority (IHI 0048B 3.3.2: only interrupts with
 * a higher priority than the mask are signalled), not with its group priority: the binary
 * point only governs preemption. */
static void pmr_compares_full_priority(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    cpu_on(t, 0, 0xa2);
    wrc(t, 0, GICC_BPR, 2); /* group priority [7:3] */
    assert_int_equal(rdc(t, 0, GICC_BPR), 2);
    spi(t, 40, 0xa4, 0x01);
    set_pending(t, 0, 40);
    assert_false(line(0)); /* 0xa4 is not above 0xa2 (though its group priority 0xa0 is) */
    assert_false(line_after_entry(t, 0));
    assert_int_equal(iar(t, 0), SPURIOUS);
    assert_false(is_active(t, 0, 40));
    wrc(t, 0, GICC_PMR, 0xa5);
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 40);
    check_ok(t);
}

static void iar_acknowledges_hppir_does_not(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    cpu_on(t, 0, 0xf0);
    spi(t, 40, 0xa0, 0x01);
    assert_int_equal(iar(t, 0), SPURIOUS); /* nothing pending */
    assert_int_equal(rpr(t, 0), 0xff);
    set_pending(t, 0, 40);
    assert_true(line(0));
    assert_int_equal(rdc(t, 0, GICC_HPPIR), 40);
    assert_int_equal(rdc(t, 0, GICC_HPPIR), 40);
    assert_true(line(0));
    assert_true(is_pending(t, 0, 40));
    assert_false(is_active(t, 0, 40));
    assert_int_equal(rpr(t, 0), 0xff);

    assert_int_equal(iar(t, 0), 40);
    assert_false(line(0)); /* nothing else to signal */
    assert_true(is_active(t, 0, 40));
    assert_false(is_pending(t, 0, 40));
    assert_int_equal(rpr(t, 0), 0xa0);
    assert_int_equal(iar(t, 0), SPURIOUS);
    assert_int_equal(rdc(t, 0, GICC_HPPIR), SPURIOUS);
    assert_false(line_after_entry(t, 0));

    /* EOImode 0: EOIR drops the priority and deactivates. */
    eoir(t, 0, 40);
    assert_false(is_active(t, 0, 40));
    assert_int_equal(rpr(t, 0), 0xff);
    assert_false(line(0));
    dir(t, 0, 40); /* harmless */
    assert_int_equal(iar(t, 0), SPURIOUS);
    check_ok(t);
}

static void iar_priority_order_and_ties(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    cpu_on(t, 0, 0xf0);
    prio(t, 0, 20, 0x90);
    enable(t, 0, 20);
    spi(t, 50, 0x90, 0x01);
    spi(t, 45, 0x90, 0x01);
    spi(t, 44, 0xa0, 0x01);
    spi(t, 60, 0x80, 0x01);
    spi(t, 33, 0x70, 0x02); /* another vCPU's */
    set_pending(t, 0, 44);
    set_pending(t, 0, 50);
    set_pending(t, 0, 45);
    set_pending(t, 0, 60);
    set_pending(t, 0, 33);
    set_pending(t, 0, 20);
    static const u32 order[] = {60, 20, 45, 50, 44};
    for (u32 i = 0; i < 5; i++) {
        assert_true(line(0));
        assert_int_equal(rdc(t, 0, GICC_HPPIR), order[i]);
        assert_int_equal(iar(t, 0), order[i]);
        eoir(t, 0, order[i]);
    }
    assert_false(line(0));
    assert_int_equal(iar(t, 0), SPURIOUS);
    assert_true(is_pending(t, 0, 33));
    check_ok(t);
}

static void preemption_by_group_priority(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    cpu_on(t, 0, 0xf0);
    wrc(t, 0, GICC_BPR, 2);
    spi(t, 40, 0xa0, 0x01);
    spi(t, 41, 0x80, 0x01);
    spi(t, 42, 0xa0, 0x01);
    set_pending(t, 0, 40);
    assert_int_equal(iar(t, 0), 40);
    assert_int_equal(rpr(t, 0), 0xa0);

    /* Equal priority: no preemption. */
    set_pending(t, 0, 42);
    assert_false(line(0));
    assert_false(line_after_entry(t, 0));
    assert_int_equal(iar(t, 0), SPURIOUS);
    assert_int_equal(rdc(t, 0, GICC_HPPIR), 42); /* still the highest pending */

    /* Higher priority: preempts. */
    set_pending(t, 0, 41);
    assert_true(line(0));
    assert_true(line_after_entry(t, 0));
    assert_int_equal(iar(t, 0), 41);
    assert_int_equal(rpr(t, 0), 0x80);
    assert_false(line(0));
    eoir(t, 0, 41);
    assert_int_equal(rpr(t, 0), 0xa0);
    assert_false(line(0)); /* 42 still cannot preempt 40 */
    eoir(t, 0, 40);
    assert_int_equal(rpr(t, 0), 0xff);
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 42);
    eoir(t, 0, 42);

    /* Higher priority within the same group priority (0xa4 and 0xa2: both 0xa0 with BPR 2) does
     * not preempt. */
    prio(t, 0, 40, 0xa4);
    prio(t, 0, 42, 0xa2);
    set_pending(t, 0, 40);
    assert_int_equal(iar(t, 0), 40);
    set_pending(t, 0, 42);
    assert_false(line(0));
    assert_int_equal(iar(t, 0), SPURIOUS);
    eoir(t, 0, 40);
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 42);
    eoir(t, 0, 42);

    /* The same for private interrupts: a PPI of equal group priority waits, an SGI of higher
     * priority preempts it. */
    prio(t, 0, 20, 0xa0);
    prio(t, 0, 1, 0x80);
    enable(t, 0, 20);
    enable(t, 0, 1);
    set_pending(t, 0, 40);
    assert_int_equal(iar(t, 0), 40); /* 0xa4 */
    set_pending(t, 0, 20);
    assert_false(line(0));
    assert_false(line_after_entry(t, 0));
    assert_int_equal(iar(t, 0), SPURIOUS);
    wrd(t, 0, GICD_SPENDSGIR + 1, 1, 0x01);
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 1);
    assert_false(line(0));
    eoir(t, 0, 1);
    eoir(t, 0, 40);
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 20);
    check_ok(t);
}

static void eoimode1_split_drop_and_deactivate(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    cpu_on(t, 0, 0xf0);
    wrc(t, 0, GICC_CTLR, GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE);
    assert_int_equal(rdc(t, 0, GICC_CTLR), GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE);
    spi(t, 40, 0xa0, 0x01);
    spi(t, 41, 0xc0, 0x01);
    set_pending(t, 0, 40);
    set_pending(t, 0, 41);
    assert_int_equal(iar(t, 0), 40);
    assert_false(line(0)); /* 41 is lower */

    /* EOIR: priority drop only. */
    eoir(t, 0, 40);
    assert_int_equal(rpr(t, 0), 0xff);
    assert_true(is_active(t, 0, 40));
    assert_true(line(0)); /* 41 may now be signalled */

    /* Pending again while still active: not delivered before the deactivation. */
    set_pending(t, 0, 40);
    assert_true(is_pending(t, 0, 40));
    assert_int_equal(iar(t, 0), 41);
    assert_false(line(0));
    eoir(t, 0, 41);
    assert_true(is_active(t, 0, 41));
    assert_false(line(0));
    assert_int_equal(iar(t, 0), SPURIOUS);

    dir(t, 0, 41);
    assert_false(is_active(t, 0, 41));
    assert_false(line(0));
    dir(t, 0, 40);
    assert_false(is_active(t, 0, 40));
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 40);

    /* Back to EOImode 0: EOIR deactivates again. */
    wrc(t, 0, GICC_CTLR, GICC_CTLR_ENABLE);
    eoir(t, 0, 40);
    assert_false(is_active(t, 0, 40));
    check_ok(t);
}

static void level_spi_active_and_pending(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    cpu_on(t, 1, 0xf0);
    spi(t, 40, 0xa0, 0x02);
    fake_clear_kicks();
    vgic_set_level(&t->vm, NULL, 40, true);
    assert_int_equal(fake_hw.kicks[t->v[1].pcpu], 1);
    assert_true(line_after_entry(t, 1));
    assert_int_equal(iar(t, 1), 40);
    assert_true(is_active(t, 1, 40));
    assert_true(is_pending(t, 1, 40)); /* the line is still high: active and pending */
    assert_false(line(1));
    assert_false(line_after_entry(t, 1));
    assert_int_equal(iar(t, 1), SPURIOUS);
    assert_false(vgic_has_pending(&t->v[0]));

    /* Deactivated with the line still high: delivered again. */
    eoir(t, 1, 40);
    assert_false(is_active(t, 1, 40));
    assert_true(is_pending(t, 1, 40));
    assert_true(line(1));
    assert_int_equal(iar(t, 1), 40);

    /* The device deasserts: once deactivated, nothing more. */
    vgic_set_level(&t->vm, NULL, 40, false);
    assert_false(is_pending(t, 1, 40));
    eoir(t, 1, 40);
    assert_false(line(1));
    assert_false(line_after_entry(t, 1));
    assert_int_equal(iar(t, 1), SPURIOUS);

    /* With EOImode 1 the priority drop alone does not let it in again. */
    wrc(t, 1, GICC_CTLR, GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE);
    vgic_set_level(&t->vm, NULL, 40, true);
    assert_true(line_after_entry(t, 1));
    assert_int_equal(iar(t, 1), 40);
    eoir(t, 1, 40);
    assert_false(line(1));
    assert_false(line_after_entry(t, 1));
    dir(t, 1, 40);
    assert_true(line(1));
    assert_int_equal(iar(t, 1), 40);
    check_ok(t);
}

static void eoi_notify_hook(void **state)
{
    struct tvm *t = *state;
    struct vcpu *v0 = &t->v[0];
    dist_on(t);
    cpu_on(t, 0, 0xf0);
    prio(t, 0, 27, 0x80);
    enable(t, 0, 27);
    v0->arch.vgic.priv[27].eoi_notify = true;

    vgic_raise(&t->vm, v0, 27);
    assert_true(line_after_entry(t, 0));
    assert_int_equal(iar(t, 0), 27);
    assert_int_equal(fake_hw.deactivations, 0);
    eoir(t, 0, 27);
    assert_int_equal(fake_hw.deactivations, 1);
    assert_int_equal(fake_hw.last_deactivated, 27);
    eoir(t, 0, 27); /* no longer active: nothing */
    dir(t, 0, 27);
    assert_int_equal(fake_hw.deactivations, 1);

    /* Deactivated through GICD_ICACTIVER0 instead. */
    vgic_raise(&t->vm, v0, 27);
    assert_int_equal(iar(t, 0), 27);
    wrd32(t, 0, GICD_ICACTIVER, bit(27));
    assert_int_equal(fake_hw.deactivations, 2);
    assert_false(is_active(t, 0, 27));
    wrd32(t, 0, GICD_ICACTIVER, bit(27)); /* inactive already */
    eoir(t, 0, 27);                          /* drops the priority only */
    assert_int_equal(fake_hw.deactivations, 2);
    assert_int_equal(rpr(t, 0), 0xff);

    /* Another vCPU's copy of the PPI, without eoi_notify: no call. */
    cpu_on(t, 1, 0xf0);
    prio(t, 1, 27, 0x80);
    enable(t, 1, 27);
    vgic_raise(&t->vm, &t->v[1], 27);
    assert_int_equal(iar(t, 1), 27);
    eoir(t, 1, 27);
    assert_int_equal(fake_hw.deactivations, 2);

    /* An SPI, EOImode 1: the call comes with GICC_DIR, not the EOIR. */
    spi(t, 40, 0xa0, 0x01);
    t->vm.arch.vgic.spi[40 - 32].eoi_notify = true;
    wrc(t, 0, GICC_CTLR, GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE);
    set_pending(t, 0, 40);
    assert_int_equal(iar(t, 0), 40);
    eoir(t, 0, 40);
    assert_int_equal(fake_hw.deactivations, 2);
    dir(t, 0, 40);
    assert_int_equal(fake_hw.deactivations, 3);
    assert_int_equal(fake_hw.last_deactivated, 40);
    dir(t, 0, 40);
    assert_int_equal(fake_hw.deactivations, 3);
    check_ok(t);
}

static void flush_soft_never_writes_lrs(void **state)
{
    struct tvm *t = *state;
    dist_on(t);
    cpu_on(t, 0, 0xf0);
    spi(t, 40, 0xa0, 0x01);
    prio(t, 0, 27, 0x80);
    enable(t, 0, 27);
    set_pending(t, 0, 40);
    vgic_raise(&t->vm, &t->v[0], 27);
    /* Clear the line behind the vGIC's back: the entry must set it again. */
    fake_hw.virq[0] = false;
    enter(t, 0);
    assert_true(line(0));
    assert_false(fake_cur()->hcr_enable); /* the list registers stay off */
    assert_int_equal(fake_hw.lr_writes, 0);
    vgic_sync(&t->v[0]);
    assert_int_equal(iar(t, 0), 27);
    enter(t, 0);
    vgic_sync(&t->v[0]);
    eoir(t, 0, 27);
    assert_true(line(0));
    assert_int_equal(iar(t, 0), 40);
    enter(t, 0);
    assert_false(line(0));
    eoir(t, 0, 40);
    enter(t, 0);
    vgic_sync(&t->v[0]);
    assert_false(line(0));
    assert_int_equal(fake_hw.lr_writes, 0);
    check_ok(t);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(create_devices_and_resets),
        T(gicd_typer_pidr2_ctlr),
        T(igroupr_raz_wi),
        T(banked_enable_and_priority),
        T(itargetsr_private_reads_own_bit),
        T(itargetsr_spi_byte_access),
        T(spi_without_target_not_delivered),
        T(spi_multi_target_lowest_vcpu),
        T(retarget_pending_spi_wakes_halted_vcpu),
        T(sgir_target_list),
        T(sgir_all_but_self),
        T(sgir_self_only),
        T(spendsgir_cpendsgir),
        T(line_needs_both_enables_and_pmr),
        T(pmr_compares_full_priority),
        T(iar_acknowledges_hppir_does_not),
        T(iar_priority_order_and_ties),
        T(preemption_by_group_priority),
        T(eoimode1_split_drop_and_deactivate),
        T(level_spi_active_and_pending),
        T(eoi_notify_hook),
        T(flush_soft_never_writes_lrs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
