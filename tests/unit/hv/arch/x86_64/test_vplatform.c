/* The PC devices of an x86 VM as pure logic over a host counter: the PIT and port 0x61
 * (hv/arch/x86_64/vpit.c), the 8259 pair (vpic.c), the CMOS RTC (vcmos.c), PCI configuration
 * mechanism #1 with the reset control register (vpci_cfg.c), and the HPET (vhpet.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/vcmos.h>
#include <arch/vhpet.h>
#include <arch/vpci_cfg.h>
#include <arch/vpic.h>
#include <arch/vpit.h>
#include <lib/string.h>

#define HZ 1000000000ull /* a 1 GHz host counter: ticks are nanoseconds */
#define PIT_NS(n) ((n) * 1000000000ull / VPIT_HZ)

static u16 read16(struct vpit *p, u16 port, u64 now)
{
    u8 lo = vpit_read(p, port, now);
    return (u16)(lo | vpit_read(p, port, now) << 8);
}

/* Linux's pit_calibrate_tsc: gate high, channel 2 mode 0, a count; OUT2 (port 0x61 bit 5) rises
 * after exactly that many PIT clocks. */
static void test_pit_channel2_calibration(void **state)
{
    (void)state;
    struct vpit p;
    vpit_init(&p, HZ);
    u64 t0 = 5000;
    vpit_write(&p, 0x61, (u8)((vpit_read(&p, 0x61, t0) & ~0x02) | 0x01), t0);
    vpit_write(&p, 0x43, 0xb0, t0); /* channel 2, LSB then MSB, mode 0 */
    assert_false(vpit_read(&p, 0x61, t0) & 0x20); /* mode 0's OUT low once programmed */
    u32 latch = VPIT_HZ / 100; /* 10 ms */
    vpit_write(&p, 0x42, (u8)latch, t0);
    vpit_write(&p, 0x42, (u8)(latch >> 8), t0);
    assert_false(vpit_read(&p, 0x61, t0 + PIT_NS(latch) - 2000) & 0x20);
    assert_true(vpit_read(&p, 0x61, t0 + PIT_NS(latch) + 1000) & 0x20);
    /* the refresh bit toggles on every read */
    u8 a = vpit_read(&p, 0x61, t0), b = vpit_read(&p, 0x61, t0);
    assert_int_not_equal(a & 0x10, b & 0x10);
    /* reading the count without latching: LSB then MSB, counting down */
    u16 c1 = read16(&p, 0x42, t0 + PIT_NS(100));
    assert_in_range(c1, latch - 101, latch - 99);
    /* a latched count holds until read */
    vpit_write(&p, 0x43, 0x80, t0 + PIT_NS(200)); /* latch channel 2 */
    u16 c2 = read16(&p, 0x42, t0 + PIT_NS(5000));
    assert_in_range(c2, latch - 201, latch - 199);
    /* gate low: a mode-2 channel 2 does not count until the gate rises */
    vpit_write(&p, 0x61, 0x00, t0);
    vpit_write(&p, 0x43, 0xb4, t0); /* channel 2, mode 2 */
    vpit_write(&p, 0x42, 0x00, t0);
    vpit_write(&p, 0x42, 0x10, t0);
    assert_int_equal(read16(&p, 0x42, t0 + PIT_NS(50)), 0x1000);
    vpit_write(&p, 0x61, 0x01, t0 + PIT_NS(100));
    assert_in_range(read16(&p, 0x42, t0 + PIT_NS(150)), 0x1000 - 51, 0x1000 - 49);
}

/* Channel 0: a periodic IRQ 0 (mode 2) at its rate, missed periods raised later; mode 0 fires once. */
static void test_pit_channel0_irq(void **state)
{
    (void)state;
    struct vpit p;
    vpit_init(&p, HZ);
    u64 next;
    assert_int_equal(vpit_poll(&p, 0, &next), 0);
    assert_int_equal(next, 0); /* not programmed: no interrupt */
    assert_true(vpit_write(&p, 0x43, 0x34, 0)); /* channel 0, LSB/MSB, mode 2 */
    u32 n = 4773; /* HZ = 250 */
    assert_false(vpit_write(&p, 0x40, (u8)n, 0));
    assert_true(vpit_write(&p, 0x40, (u8)(n >> 8), 0)); /* loaded: re-arm */
    assert_int_equal(vpit_poll(&p, 1000, &next), 0);
    assert_in_range(next, PIT_NS(n), PIT_NS(n) + 1);
    assert_int_equal(vpit_poll(&p, next, &next), 1);
    assert_in_range(next, PIT_NS(2 * n), PIT_NS(2 * n) + 1);
    assert_int_equal(vpit_poll(&p, next - 10, &next), 0);
    /* 8 periods late: the missed ones follow, VPIT_CATCHUP_GAP apart */
    u64 now = PIT_NS(10 * n) + 5;
    assert_int_equal(vpit_poll(&p, now, &next), 1);
    assert_in_range(next, now + PIT_NS(VPIT_CATCHUP_GAP), now + PIT_NS(VPIT_CATCHUP_GAP) + 1);
    assert_int_equal(vpit_poll(&p, now + 10, &next), 0); /* not before the gap */
    u32 edges = 1;
    for (int i = 0; i < 20 && next < PIT_NS(11 * n); i++)
        now = next, edges += vpit_poll(&p, now, &next);
    assert_int_equal(edges, 9); /* periods 2..10, each one edge */
    assert_in_range(next, PIT_NS(11 * n), PIT_NS(11 * n) + 1);
    /* a backlog is bounded */
    assert_int_equal(vpit_poll(&p, PIT_NS(100000ull * n), &next), 1);
    assert_int_equal(p.ch[0].backlog, VPIT_MAX_BACKLOG - 1);
    /* a 1-count period is held to VPIT_MIN_PERIOD */
    vpit_write(&p, 0x43, 0x34, 0);
    vpit_write(&p, 0x40, 1, 0);
    vpit_write(&p, 0x40, 0, 0);
    vpit_poll(&p, 0, &next);
    assert_true(next >= PIT_NS(VPIT_MIN_PERIOD));
    /* mode 0: one interrupt at the terminal count, then none */
    vpit_write(&p, 0x43, 0x30, 0);
    vpit_write(&p, 0x40, 0x00, 0);
    vpit_write(&p, 0x40, 0x01, 0); /* 256 */
    assert_int_equal(vpit_poll(&p, PIT_NS(255), &next), 0);
    assert_int_equal(vpit_poll(&p, PIT_NS(257), &next), 1);
    assert_int_equal(vpit_poll(&p, PIT_NS(100000), &next), 0);
    assert_int_equal(next, 0);
    /* the read-back command and unknown ports are harmless */
    assert_false(vpit_write(&p, 0x43, 0xc2, 0));
    assert_int_equal(vpit_read(&p, 0x43, 0), 0xff);
}

static void test_pic(void **state)
{
    (void)state;
    struct vpic p;
    vpic_init(&p);
    assert_int_equal(vpic_read(&p, 0, 1), 0xff); /* masked at reset */
    /* Linux's init_8259A: ICW1-4 on both, then masks; probe_8259A reads the mask back */
    vpic_write(&p, 0, 0, 0x11), vpic_write(&p, 0, 1, 0x30), vpic_write(&p, 0, 1, 0x04), vpic_write(&p, 0, 1, 0x01);
    vpic_write(&p, 1, 0, 0x11), vpic_write(&p, 1, 1, 0x38), vpic_write(&p, 1, 1, 0x02), vpic_write(&p, 1, 1, 0x01);
    assert_int_equal(p.chip[0].vector, 0x30);
    assert_int_equal(p.chip[1].vector, 0x38);
    assert_int_equal(vpic_read(&p, 0, 1), 0x00); /* ICW1 clears the mask */
    vpic_write(&p, 0, 1, 0xfb);
    vpic_write(&p, 1, 1, 0xff);
    assert_int_equal(vpic_read(&p, 0, 1), 0xfb);
    assert_int_equal(vpic_read(&p, 1, 1), 0xff);
    vpic_write(&p, 0, 0, 0x0b); /* OCW3: read ISR */
    assert_int_equal(vpic_read(&p, 0, 0), 0);
    vpic_write(&p, 0, 0, 0x20); /* OCW2: EOI, nothing in service */
    assert_int_equal(vpic_read(&p, 0, 1), 0xfb);
    /* single mode without ICW4: two writes end the initialisation */
    vpic_write(&p, 1, 0, 0x12), vpic_write(&p, 1, 1, 0x70), vpic_write(&p, 1, 1, 0x5a);
    assert_int_equal(vpic_read(&p, 1, 1), 0x5a);
    vpic_elcr_write(&p, 0, 0xff);
    vpic_elcr_write(&p, 1, 0xff);
    assert_int_equal(vpic_elcr_read(&p, 0), 0xf8); /* IRQ 0-2 edge only */
    assert_int_equal(vpic_elcr_read(&p, 1), 0xde); /* IRQ 8, 13 edge only */
}

static u8 cmos(struct vcmos *c, u8 reg, u64 now)
{
    vcmos_write(c, 0, reg | 0x80);
    return vcmos_read(c, 1, now);
}

static void test_cmos(void **state)
{
    (void)state;
    struct vcmos c;
    u64 epoch = vcmos_epoch(2026, 12, 31, 23, 59, 58);
    assert_int_equal(epoch, 1798761598ull);
    assert_int_equal(vcmos_epoch(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(vcmos_epoch(2000, 2, 29, 12, 0, 0), 951825600ull);
    vcmos_init(&c, epoch, 1000, HZ);
    assert_int_equal(cmos(&c, 0x0a, 1000) & 0x80, 0); /* no update in progress */
    assert_int_equal(cmos(&c, 0x0b, 1000), 0x02);     /* 24-hour, BCD */
    assert_int_equal(cmos(&c, 0x0d, 1000), 0x80);     /* valid */
    assert_int_equal(cmos(&c, 0, 1000), 0x58);
    assert_int_equal(cmos(&c, 2, 1000), 0x59);
    assert_int_equal(cmos(&c, 4, 1000), 0x23);
    assert_int_equal(cmos(&c, 7, 1000), 0x31);
    assert_int_equal(cmos(&c, 8, 1000), 0x12);
    assert_int_equal(cmos(&c, 9, 1000), 0x26);
    assert_int_equal(cmos(&c, VCMOS_CENTURY, 1000), 0x20);
    assert_int_equal(cmos(&c, 6, 1000), 0x05); /* a Thursday (Sunday = 1) */
    assert_int_equal(vcmos_epoch(2026, 12, 3, 8, 58, 1), 1796288281ull);
    /* three seconds later: the next year */
    u64 t = 1000 + 3 * HZ;
    assert_int_equal(cmos(&c, 0, t), 0x01);
    assert_int_equal(cmos(&c, 4, t), 0x00);
    assert_int_equal(cmos(&c, 7, t), 0x01);
    assert_int_equal(cmos(&c, 8, t), 0x01);
    assert_int_equal(cmos(&c, 9, t), 0x27);
    /* the clock is read-only; the rest of CMOS memory keeps what is written */
    vcmos_write(&c, 0, 0);
    vcmos_write(&c, 1, 0x33);
    assert_int_equal(cmos(&c, 0, t), 0x01);
    vcmos_write(&c, 0, 0x0f);
    vcmos_write(&c, 1, 0x0a);
    assert_int_equal(cmos(&c, 0x0f, t), 0x0a);
    vcmos_write(&c, 0, 0x0b);
    vcmos_write(&c, 1, 0x40); /* no periodic interrupts */
    assert_int_equal(cmos(&c, 0x0b, t), 0x02);
    assert_int_equal(vcmos_read(&c, 0, t), 0xff);
}

static void test_pci_config(void **state)
{
    (void)state;
    struct vpci_cfg p;
    vpci_cfg_init(&p);
    /* Linux's pci_check_type1: the address register reads back */
    vpci_cfg_write(&p, 3, 1, 0x01);
    assert_false(vpci_cfg_write(&p, 0, 4, 0x80000000));
    assert_int_equal(vpci_cfg_read(&p, 0, 4), 0x80000000);
    /* 00:00.0 is a host bridge */
    assert_int_equal(vpci_cfg_read(&p, 4, 4), VPCI_HOST_VENDOR | VPCI_HOST_DEVICE << 16);
    assert_int_equal(vpci_cfg_read(&p, 4, 2), VPCI_HOST_VENDOR);
    assert_int_equal(vpci_cfg_read(&p, 6, 2), VPCI_HOST_DEVICE);
    vpci_cfg_write(&p, 0, 4, 0x80000008);
    assert_int_equal(vpci_cfg_read(&p, 4, 4) >> 8, 0x060000);
    assert_int_equal(vpci_cfg_read(&p, 7, 1), 0x06);
    vpci_cfg_write(&p, 0, 4, 0x80000010);
    vpci_cfg_write(&p, 4, 4, 0xffffffff); /* BAR sizing: no BAR */
    assert_int_equal(vpci_cfg_read(&p, 4, 4), 0);
    /* every other function is absent */
    vpci_cfg_write(&p, 0, 4, 0x80000800); /* 00:01.0 */
    assert_int_equal(vpci_cfg_read(&p, 4, 4), 0xffffffff);
    vpci_cfg_write(&p, 0, 4, 0x80010000); /* 01:00.0 */
    assert_int_equal(vpci_cfg_read(&p, 4, 2), 0xffff);
    vpci_cfg_write(&p, 0, 4, 0x00000000); /* disabled */
    assert_int_equal(vpci_cfg_read(&p, 4, 4), 0xffffffff);
    /* 0xCF9: hard reset asks for a reset; other values do not */
    assert_false(vpci_cfg_write(&p, 1, 1, 0x02));
    assert_int_equal(vpci_cfg_read(&p, 1, 1), 0x02);
    assert_true(vpci_cfg_write(&p, 1, 1, 0x06));
    assert_false(vpci_cfg_write(&p, 1, 2, 0x06)); /* a word at 0xCF9 is not the reset register */
}

static u64 hpet_rd(struct vhpet *h, u64 off, u8 w, u64 now)
{
    u64 v = 0;
    assert_true(vhpet_read(h, off, w, now, &v));
    return v;
}

static void test_hpet(void **state)
{
    (void)state;
    struct vhpet h;
    vhpet_init(&h, HZ);
    u64 cap = hpet_rd(&h, 0, 8, 0);
    assert_int_equal(cap >> 32, VHPET_PERIOD_FS);
    assert_int_equal((cap >> 8) & 0x1f, VHPET_TIMERS - 1);
    assert_false(cap & (1u << 15)); /* no legacy replacement */
    assert_int_equal(hpet_rd(&h, 4, 4, 0), VHPET_PERIOD_FS);
    /* Linux's hpet_cfg_working: stop, reset the counter, start, see it count */
    assert_int_equal(hpet_rd(&h, 0xf0, 8, 500), 0); /* halted at reset */
    assert_true(vhpet_write(&h, 0xf0, 4, 0x1234, 1000));
    assert_true(vhpet_write(&h, 0xf4, 4, 0x1, 1000));
    assert_int_equal(hpet_rd(&h, 0xf0, 8, 2000), 0x100001234ull);
    vhpet_write(&h, 0xf0, 8, 0, 2000);
    vhpet_write(&h, 0x10, 4, 1, 3000); /* enable */
    assert_int_equal(hpet_rd(&h, 0x10, 4, 3000), 1);
    assert_int_equal(hpet_rd(&h, 0xf0, 4, 3000 + 1000000), 10000); /* 1 ms at 10 MHz */
    vhpet_write(&h, 0xf0, 4, 5, 3000 + 1000000);                   /* running: not written */
    assert_int_equal(hpet_rd(&h, 0xf0, 4, 3000 + 2000000), 20000);
    vhpet_write(&h, 0x10, 4, 0, 3000 + 2000000); /* halt: the value stays */
    assert_int_equal(hpet_rd(&h, 0xf0, 8, 3000 + 9000000), 20000);
    /* timers: capabilities read-only, no interrupt route can be set */
    u64 t0 = hpet_rd(&h, 0x100, 8, 0);
    assert_true(t0 & (1u << 5));
    assert_int_equal(t0 >> 32, 0); /* no I/O APIC input offered */
    vhpet_write(&h, 0x100, 8, ~0ull, 0);
    u64 t1 = hpet_rd(&h, 0x100, 8, 0);
    assert_int_equal(t1 & (0x1full << 9), 0);
    assert_int_equal(t1 & (1u << 14), 0);
    assert_true(t1 & (1u << 2)); /* enable bit kept */
    vhpet_write(&h, 0x128, 4, 0xabcd, 0);
    assert_int_equal(hpet_rd(&h, 0x128, 8, 0), 0xffffffff0000abcdull);
    /* refused: misaligned, 1- and 2-byte accesses, out of range */
    u64 v;
    assert_false(vhpet_read(&h, 2, 4, 0, &v));
    assert_false(vhpet_read(&h, 0, 1, 0, &v));
    assert_false(vhpet_write(&h, 0x10, 2, 1, 0));
    assert_false(vhpet_read(&h, VHPET_SIZE, 4, 0, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pit_channel2_calibration), cmocka_unit_test(test_pit_channel0_irq),
        cmocka_unit_test(test_pic), cmocka_unit_test(test_cmos), cmocka_unit_test(test_pci_config),
        cmocka_unit_test(test_hpet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
