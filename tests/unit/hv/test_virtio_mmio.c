/* The virtio-mmio transport as Linux's virtio_mmio driver drives it (version 2), and against a
 * driver that breaks the rules: feature negotiation, queue setup, notification, the interrupt
 * line, device reset and the needs-reset path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <hv/virtio_mmio.h>
#include <lib/string.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x8000ull

static _Alignas(16) u8 ram[RAM_SIZE];

static void *map_ram(void *ctx, gpa_t a, u64 len)
{
    (void)ctx;
    if (len == 0 || a.val < RAM_BASE || a.val - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (a.val - RAM_BASE))
        return NULL;
    return ram + (a.val - RAM_BASE);
}

struct rec {
    bool line;
    unsigned irq_changes, notifies, resets, errors;
    int last_err;
    u16 last_q;
    bool config_ok;
};
static struct rec rec;

static void set_irq(void *ctx, bool level)
{
    (void)ctx;
    assert_true(level != rec.line); /* changes only */
    rec.line = level;
    rec.irq_changes++;
}

static void on_error(void *ctx, u16 q, int err)
{
    (void)ctx;
    rec.errors++;
    rec.last_q = q;
    rec.last_err = err;
}

static void be_notify(struct virtio_mmio *t, u16 q)
{
    (void)t;
    rec.notifies++;
    rec.last_q = q;
}

static void be_reset(struct virtio_mmio *t)
{
    (void)t;
    rec.resets++;
}

static bool be_config_write(struct virtio_mmio *t, u32 off, u8 width)
{
    (void)t, (void)off, (void)width;
    return rec.config_ok;
}

static const struct virtio_backend backend = {
    .device_id = VIRTIO_ID_CONSOLE,
    .features = 1ull << 1,
    .num_queues = 2,
    .notify = be_notify,
    .reset = be_reset,
    .config_write = be_config_write,
};

static struct virtio_mmio t;

static void setup(void)
{
    memset(ram, 0, sizeof(ram));
    memset(&rec, 0, sizeof(rec));
    struct virtio_host host = {{map_ram, NULL}, set_irq, on_error, NULL};
    const u8 config[12] = {80, 0, 25, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    virtio_mmio_init(&t, &backend, NULL, &host, config, sizeof(config));
}

static u32 rd(u64 off)
{
    u64 v = 0xdeadbeefdeadull;
    assert_true(virtio_mmio_read(&t, off, 4, &v));
    assert_true(v <= 0xffffffffu);
    return (u32)v;
}

static void wr(u64 off, u32 v) { assert_true(virtio_mmio_write(&t, off, 4, v)); }

/* Linux's virtio_mmio probe and virtio_dev_probe, up to DRIVER_OK, with queue 0 at RAM_BASE. */
static void linux_init(u64 features)
{
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, (u32)features);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, (u32)(features >> 32));
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    for (u32 q = 0; q < 2; q++) {
        wr(VIRTIO_MMIO_QUEUE_SEL, q);
        assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
        assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
        wr(VIRTIO_MMIO_QUEUE_NUM, 16);
        u64 base = RAM_BASE + q * 0x1000;
        wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)base);
        wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(base >> 32));
        wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (u32)(base + 0x100));
        wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
        wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (u32)(base + 0x200));
        wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
        wr(VIRTIO_MMIO_QUEUE_READY, 1);
        assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
    }
    wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

static void identity_and_config(void **state)
{
    (void)state;
    setup();
    assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
    assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
    assert_int_equal(rd(VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), (1u << 1) | (1u << 28) | (1u << 29));
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 */
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
    assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
    u64 v;
    assert_true(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 2, 2, &v));
    assert_int_equal(v, 25);
    assert_true(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 4, 4, &v));
    assert_int_equal(v, 1);
    assert_true(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 40, 4, &v)); /* past it: zero */
    assert_int_equal(v, 0);
    /* Config writes reach the backend, which may refuse them. */
    assert_true(virtio_mmio_write(&t, VIRTIO_MMIO_CONFIG + 8, 4, 0x41));
    assert_true(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 8, 4, &v));
    assert_int_equal(v, 0);
    rec.config_ok = true;
    assert_true(virtio_mmio_write(&t, VIRTIO_MMIO_CONFIG + 8, 4, 0x41));
    assert_true(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 8, 4, &v));
    assert_int_equal(v, 0x41);
}

static void access_rules(void **state)
{
    (void)state;
    setup();
    u64 v;
    assert_false(virtio_mmio_read(&t, VIRTIO_MMIO_STATUS, 2, &v)); /* registers: 32-bit only */
    assert_false(virtio_mmio_read(&t, VIRTIO_MMIO_STATUS + 1, 4, &v));
    assert_false(virtio_mmio_write(&t, VIRTIO_MMIO_STATUS, 8, 0));
    assert_false(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 1, 2, &v)); /* unaligned */
    assert_false(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + VIRTIO_MMIO_CONFIG_MAX, 1, &v));
    assert_false(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG, 3, &v));
    assert_true(virtio_mmio_read(&t, 0x1fc, 4, &v) == false); /* past the config space */
    assert_int_equal(rd(0x0e0), 0); /* reserved */
    wr(0x0e0, 1);
}

static void features_negotiation(void **state)
{
    (void)state;
    setup();
    /* No VERSION_1 (a legacy driver): FEATURES_OK is not taken. */
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    /* A feature we do not offer: refused too. */
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << 5);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    /* What we offer: accepted, and fixed from then on. */
    wr(VIRTIO_MMIO_DRIVER_FEATURES, (1u << 1) | (1u << 29));
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << 28);
    assert_true(virtio_mmio_has_feature(&t, 29));
    assert_false(virtio_mmio_has_feature(&t, 28));
    assert_true(t.q[0].event_idx);
    assert_false(t.q[0].indirect);
    /* Reset forgets it all. */
    wr(VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
    assert_false(virtio_mmio_has_feature(&t, 32));
    assert_int_equal(rec.resets, 2); /* init, and this one */
}

static void queues_notify_and_interrupts(void **state)
{
    (void)state;
    setup();
    /* Before DRIVER_OK, notifications do not reach the device. */
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(rec.notifies, 0);
    linux_init(1ull << 32);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_int_equal(rec.notifies, 1);
    assert_int_equal(rec.last_q, 1);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 2); /* no such queue */
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffffu);
    assert_int_equal(rec.notifies, 1);
    /* A third queue does not exist. */
    wr(VIRTIO_MMIO_QUEUE_SEL, 2);
    assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
    /* Layout registers of a ready queue do not change. */
    wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
    assert_int_equal(t.q[0].desc.val, RAM_BASE);
    /* The device used a chain: interrupt, acknowledged by the driver. */
    virtq_push(&t.q[0], &t.host.mem, 0, 1);
    virtio_mmio_used(&t, 0);
    assert_true(rec.line);
    assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_USED);
    wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
    assert_false(rec.line);
    assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    /* Config change: generation moves, interrupt. */
    u32 gen = rd(VIRTIO_MMIO_CONFIG_GENERATION);
    virtio_mmio_config_changed(&t);
    assert_int_equal(rd(VIRTIO_MMIO_CONFIG_GENERATION), gen + 1);
    assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
    /* A reset lowers the line and unreadies the queues. */
    wr(VIRTIO_MMIO_STATUS, 0);
    assert_false(rec.line);
    assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
    assert_int_equal(t.q[0].num, 0);
}

static void bad_queue_setup_needs_reset(void **state)
{
    (void)state;
    const struct {
        u32 num;
        u64 desc;
    } bad[] = {
        {16, 0x1000},                  /* not RAM */
        {16, RAM_BASE + RAM_SIZE - 16}, /* runs off RAM */
        {12, RAM_BASE},                /* not a power of two */
        {512, RAM_BASE},               /* above QueueNumMax */
        {0, RAM_BASE},
        {16, RAM_BASE + 8},            /* misaligned */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        setup();
        wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
        wr(VIRTIO_MMIO_QUEUE_SEL, 0);
        wr(VIRTIO_MMIO_QUEUE_NUM, bad[i].num);
        wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)bad[i].desc);
        wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(bad[i].desc >> 32));
        wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (u32)(RAM_BASE + 0x2000));
        wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (u32)(RAM_BASE >> 32));
        wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (u32)(RAM_BASE + 0x3000));
        wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (u32)(RAM_BASE >> 32));
        wr(VIRTIO_MMIO_QUEUE_READY, 1);
        assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
        assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
        assert_int_equal(rec.errors, 1);
        /* The driver cannot clear it but by a reset. */
        wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
        assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
        wr(VIRTIO_MMIO_STATUS, 0);
        assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
    }
}

static void failure_stops_the_device(void **state)
{
    (void)state;
    setup();
    linux_init(1ull << 32);
    virtio_mmio_fail(&t, 1, VIRTQ_E_LOOP);
    assert_int_equal(rec.errors, 1);
    assert_int_equal(rec.last_err, VIRTQ_E_LOOP);
    assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
    assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
    assert_true(rec.line);
    assert_false(virtio_mmio_live(&t));
    virtio_mmio_fail(&t, 1, VIRTQ_E_LOOP); /* reported once */
    assert_int_equal(rec.errors, 1);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1); /* a broken device takes no more work */
    assert_int_equal(rec.notifies, 0);
    /* Reset and set up again: working. */
    linux_init(1ull << 32);
    assert_true(virtio_mmio_live(&t));
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_int_equal(rec.notifies, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity_and_config),
        cmocka_unit_test(access_rules),
        cmocka_unit_test(features_negotiation),
        cmocka_unit_test(queues_notify_and_interrupts),
        cmocka_unit_test(bad_queue_setup_needs_reset),
        cmocka_unit_test(failure_stops_the_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
