/* Hostile virtio driver (docs/virtio.md): drives the virtio console or virtio-net device at
 * 0x0a00_0000 by the rules, then feeds its transmit queue (queue 1 of both) malformed chains - loops, chains longer than the
 * queue, buffers outside its RAM, zero, wrapping and 4 GiB lengths, bad indirect tables, heads
 * and indices past the ring, rings outside RAM. After each, the device must report
 * DEVICE_NEEDS_RESET with a configuration interrupt status, and after a reset carry a valid
 * chain again. Rounds repeat for ever (the test ends the machine), with a line after the first
 * and then every 2 s, so another VM can be watched working meanwhile. */
#include "guest.h"
#include <lib/string.h>

#define VIO 0x0a000000ul
#define RAM_BASE 0x40000000ul
#define RAM_SIZE 0x01000000ul
#define RINGS (RAM_BASE + 0x00800000ul) /* desc, avail, used: 4 KiB apart */
#define DESC RINGS
#define AVAIL (RINGS + 0x1000)
#define USED (RINGS + 0x2000)
#define TABLE (RINGS + 0x3000)          /* an indirect table */
#define BUF (RINGS + 0x4000)
#define QNUM 8u
#define TXQ 1u

/* Registers (virtio 1.2 §4.2.2). */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_DESC_LO 0x080
#define R_DESC_HI 0x084
#define R_AVAIL_LO 0x090
#define R_AVAIL_HI 0x094
#define R_USED_LO 0x0a0
#define R_USED_HI 0x0a4

#define F_NEXT 1u
#define F_WRITE 2u
#define F_INDIRECT 4u
#define S_OK 0xfu /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */
#define S_NEEDS_RESET 0x40u

static u32 rd(u32 off) { return *(volatile u32 *)(VIO + off); }
static void wr(u32 off, u32 v) { *(volatile u32 *)(VIO + off) = v; }

struct desc {
    u64 addr;
    u32 len;
    u16 flags, next;
};
static volatile struct desc *const desc = (volatile struct desc *)DESC;
static volatile struct desc *const table = (volatile struct desc *)TABLE;
static volatile u16 *const avail = (volatile u16 *)AVAIL;
static volatile u16 *const used = (volatile u16 *)USED;
static u16 avail_idx;

static void set_desc(volatile struct desc *t, u32 i, u64 addr, u32 len, u16 flags, u16 next)
{
    t[i].addr = addr;
    t[i].len = len;
    t[i].flags = flags;
    t[i].next = next;
}

static void ring_setup(u64 d, u64 a, u64 u)
{
    wr(R_QUEUE_SEL, TXQ);
    wr(R_QUEUE_NUM, QNUM);
    wr(R_DESC_LO, (u32)d);
    wr(R_DESC_HI, (u32)(d >> 32));
    wr(R_AVAIL_LO, (u32)a);
    wr(R_AVAIL_HI, (u32)(a >> 32));
    wr(R_USED_LO, (u32)u);
    wr(R_USED_HI, (u32)(u >> 32));
    wr(R_QUEUE_READY, 1);
}

/* Reset and bring the device up as a driver must, the transmit queue at d/a/u. */
static void device_init(u64 d, u64 a, u64 u)
{
    memset((void *)RINGS, 0, 0x4000);
    avail_idx = 0;
    wr(R_STATUS, 0);
    wr(R_STATUS, 1);
    wr(R_STATUS, 3);
    wr(R_DRV_FEATURES_SEL, 1);
    wr(R_DRV_FEATURES, 1); /* VERSION_1 */
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, (1u << 28) | (1u << 29)); /* INDIRECT_DESC, EVENT_IDX */
    wr(R_STATUS, 0xb);
    ring_setup(d, a, u);
    wr(R_STATUS, S_OK);
}

static void offer(u16 head)
{
    avail[2 + avail_idx % QNUM] = head;
    __asm__ volatile("dmb ishst" ::: "memory");
    avail[1] = ++avail_idx;
    __asm__ volatile("dsb ish" ::: "memory");
    wr(R_QUEUE_NOTIFY, TXQ);
}

static unsigned refused, failures;

/* After an attack: the device must be stopped asking for a reset, with the config interrupt. */
static void expect_refused(const char *what)
{
    u32 st = rd(R_STATUS), isr = rd(R_INT_STATUS);
    if ((st & S_NEEDS_RESET) && (isr & 2)) {
        refused++;
    } else {
        failures++;
        gprintf("vhostile: %s: NOT refused (status %#x, interrupt status %#x)\n", what, st, isr);
    }
    wr(R_INT_ACK, isr);
}

static bool is_net; /* virtio-net (device 1), else the console (3) */

/* A valid chain must be used (the device works after the reset): for the console a line of
 * output, for virtio-net a broadcast frame from 02:00:00:00:00:77 (a 12-byte header, then the
 * frame) that the switch hands to the other VMs of the network. */
static void expect_working(void)
{
    static const char msg[] = "vhostile: hvc ok\n";
    static const u8 frame[12 + 60] = {[12] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x77,
                                      0x88, 0xb5, 'v', 'h', 'o', 's', 't', 'i', 'l', 'e'};
    u32 len = is_net ? sizeof(frame) : sizeof(msg) - 1;
    memcpy((void *)BUF, is_net ? (const void *)frame : (const void *)msg, len);
    u16 before = used[1];
    set_desc(desc, 0, BUF, len, 0, 0);
    offer(0);
    u32 st = rd(R_STATUS);
    if (used[1] != (u16)(before + 1) || st != S_OK) {
        failures++;
        gprintf("vhostile: a valid chain was not used (used idx %u, status %#x)\n", used[1], st);
    }
    wr(R_INT_ACK, rd(R_INT_STATUS));
}

static void round(void)
{
    /* 1. A loop: 0 -> 1 -> 0. */
    device_init(DESC, AVAIL, USED);
    expect_working();
    set_desc(desc, 0, BUF, 16, F_NEXT, 1);
    set_desc(desc, 1, BUF, 16, F_NEXT, 0);
    offer(0);
    expect_refused("loop");
    /* 2. A chain through every descriptor and back to the start: longer than the queue. */
    device_init(DESC, AVAIL, USED);
    for (u32 i = 0; i < QNUM; i++)
        set_desc(desc, i, BUF, 1, F_NEXT, (u16)((i + 1) % QNUM));
    offer(3);
    expect_refused("chain longer than the queue");
    /* 3-7. Buffers outside the VM's RAM, zero, 4 GiB and wrapping lengths. */
    static const struct {
        u64 addr;
        u32 len;
        const char *what;
    } bufs[] = {
        {0x100000000ul, 16, "buffer above RAM"},
        {RAM_BASE - 0x1000, 16, "buffer below RAM"},
        {RAM_BASE + RAM_SIZE - 8, 16, "buffer across the end of RAM"},
        {BUF, 0, "zero length"},
        {BUF, 0xffffffffu, "4 GiB length"},
        {0xfffffffffffffff0ul, 0x20, "wrapping address"},
        {0x09000000ul, 16, "buffer on a device (the UART)"},
    };
    for (u32 i = 0; i < ARRAY_SIZE(bufs); i++) {
        device_init(DESC, AVAIL, USED);
        set_desc(desc, 2, bufs[i].addr, bufs[i].len, 0, 0);
        offer(2);
        expect_refused(bufs[i].what);
    }
    /* Indirect tables: a loop inside, nested, 4096 entries, outside RAM, with NEXT. */
    device_init(DESC, AVAIL, USED);
    set_desc(table, 0, BUF, 8, F_NEXT, 1);
    set_desc(table, 1, BUF, 8, F_NEXT, 0);
    set_desc(desc, 0, TABLE, 32, F_INDIRECT, 0);
    offer(0);
    expect_refused("loop in an indirect table");
    device_init(DESC, AVAIL, USED);
    set_desc(table, 0, TABLE, 16, F_INDIRECT, 0);
    set_desc(desc, 0, TABLE, 16, F_INDIRECT, 0);
    offer(0);
    expect_refused("nested indirect table");
    device_init(DESC, AVAIL, USED);
    set_desc(desc, 0, TABLE, 4096 * 16, F_INDIRECT, 0);
    offer(0);
    expect_refused("indirect table of 4096 entries");
    device_init(DESC, AVAIL, USED);
    set_desc(desc, 0, 0x200000000ul, 64, F_INDIRECT, 0);
    offer(0);
    expect_refused("indirect table outside RAM");
    device_init(DESC, AVAIL, USED);
    set_desc(desc, 0, TABLE, 32, F_INDIRECT | F_NEXT, 1);
    offer(0);
    expect_refused("indirect with NEXT");
    /* A head past the table, a next past it, avail idx far ahead. */
    device_init(DESC, AVAIL, USED);
    offer(QNUM + 5);
    expect_refused("head past the table");
    device_init(DESC, AVAIL, USED);
    set_desc(desc, 0, BUF, 8, F_NEXT, 0xffff);
    offer(0);
    expect_refused("next past the table");
    device_init(DESC, AVAIL, USED);
    avail[1] = 1000;
    wr(R_QUEUE_NOTIFY, TXQ);
    expect_refused("avail index far ahead");
    /* Writable before readable. */
    device_init(DESC, AVAIL, USED);
    set_desc(desc, 0, BUF, 8, F_NEXT | F_WRITE, 1);
    set_desc(desc, 1, BUF, 8, 0, 0);
    offer(0);
    expect_refused("readable after writable");
    /* Rings outside RAM: QueueReady is refused. */
    device_init(0x100000000ul, AVAIL, USED);
    if (rd(R_QUEUE_READY) != 0 || !(rd(R_STATUS) & S_NEEDS_RESET)) {
        failures++;
        gprintf("vhostile: a descriptor table outside RAM was accepted\n");
    } else {
        refused++;
    }
    /* After all that, the device still works. */
    device_init(DESC, AVAIL, USED);
    expect_working();
}

void guest_main(u64 dtb)
{
    (void)dtb;
    u32 id = rd(R_DEVICE_ID);
    if (rd(R_MAGIC) != 0x74726976 || rd(R_VERSION) != 2 || (id != 3 && id != 1)) {
        gprintf("vhostile: no virtio console or virtio-net device at %#lx\n", VIO);
        guest_system_off();
    }
    is_net = id == 1;
    u64 next_report = 0, period = guest_counter_freq() * 2;
    for (u64 n = 1;; n++) {
        round();
        if (n == 1 || guest_counter() >= next_report || failures) {
            gprintf("vhostile: round %llu: %u attacks refused, %u failures, device working\n",
                    (unsigned long long)n, refused, failures);
            next_report = guest_counter() + period;
        }
        if (failures)
            guest_system_off();
    }
}
