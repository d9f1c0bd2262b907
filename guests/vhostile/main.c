/* Hostile virtio driver (docs/virtio.md): drives the virtio console, virtio-net or virtio-blk
 * device at GUEST_VIRTIO_MMIO by the rules, then feeds one of its queues (the transmit queue 1 of
 * the console and virtio-net, the request queue 0 of virtio-blk) malformed chains - loops, chains
 * longer than the queue, buffers outside its RAM, zero, wrapping and 4 GiB lengths, bad indirect
 * tables, heads and indices past the ring, rings outside RAM. After each, the device must report
 * DEVICE_NEEDS_RESET with a configuration interrupt status, and after a reset carry a valid
 * chain again (virtio-blk: a sector written and read back). Rounds repeat for ever (the test
 * ends the machine), with a line after the first and then every 2 s, so another VM can be
 * watched working meanwhile. Where the architecture part (guests/vhostile/<arch>.c) knows the
 * VM's interrupt controller, the first valid chain's interrupt is checked there too. */
#include "guest.h"
#include <lib/string.h>

#define VIO GUEST_VIRTIO_MMIO
#define RAM_BASE GUEST_RAM_BASE
#define RAM_SIZE 0x01000000ul
#define RINGS (RAM_BASE + 0x00800000ul) /* desc, avail, used: 4 KiB apart */
#define DESC RINGS
#define AVAIL (RINGS + 0x1000)
#define USED (RINGS + 0x2000)
#define TABLE (RINGS + 0x3000)          /* an indirect table */
#define BUF (RINGS + 0x4000)
#define BLK_DATA (RINGS + 0x10000)     /* up to 64 KiB read or written */
#define BLK_READBACK (RINGS + 0x20000) /* a written sector read back */
#define QNUM 8u

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
#define R_CONFIG 0x100

#define F_NEXT 1u
#define F_WRITE 2u
#define F_INDIRECT 4u
#define S_OK 0xfu /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */
#define S_NEEDS_RESET 0x40u

u32 vio_rd(u32 off) { return *(volatile u32 *)(VIO + off); }
void vio_wr(u32 off, u32 v) { *(volatile u32 *)(VIO + off) = v; }
#define rd vio_rd
#define wr vio_wr

/* The architecture part's (guests/vhostile/<arch>.c), where it has one: the device's interrupt
 * line as the device tree describes it, enabled in the VM's interrupt controller (0: none to
 * check); and the check, with the device's interrupt status set, that the line is pending, is
 * claimed, stays pending while the status is set and goes with the acknowledgement (which it
 * writes). Returns false on a failure (it printed what). */
__attribute__((weak)) u32 vhostile_arch_irq_setup(u64 dtb)
{
    (void)dtb;
    return 0;
}
__attribute__((weak)) bool vhostile_arch_irq_check(u32 irq)
{
    (void)irq;
    return true;
}

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

static u32 vq; /* the queue driven: 1 (transmit) for the console and virtio-net, 0 for virtio-blk */

static void ring_setup(u64 d, u64 a, u64 u)
{
    wr(R_QUEUE_SEL, vq);
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
    guest_wmb();
    avail[1] = ++avail_idx;
    guest_mb();
    wr(R_QUEUE_NOTIFY, vq);
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

static u32 device_id; /* 1 virtio-net, 2 virtio-blk, 3 the console */
static u32 irq_to_check; /* the interrupt line, checked with the next valid chain, then 0 */
static u64 round_no, blk_capacity, blk_round_trips;

/* With the device's interrupt status set by a used chain: the arch part's check of the line,
 * once; then the status is acknowledged. */
static void used_interrupt(void)
{
    if (irq_to_check) {
        if (!vhostile_arch_irq_check(irq_to_check))
            failures++;
        irq_to_check = 0;
    }
    wr(R_INT_ACK, rd(R_INT_STATUS));
}

/* One virtio-blk request (virtio 1.2 §5.2.6): a 16-byte header, the data, a status byte, in
 * three descriptors. The status the device wrote, or 0xff when the chain was not used. */
#define BLK_T_IN 0u
#define BLK_T_OUT 1u
static u8 blk_request(u32 type, u64 sector, u64 data, u32 len)
{
    volatile u32 *hdr = (volatile u32 *)BUF;
    volatile u8 *status = (volatile u8 *)(BUF + 16);
    hdr[0] = type;
    hdr[1] = 0;
    hdr[2] = (u32)sector;
    hdr[3] = (u32)(sector >> 32);
    *status = 0xff;
    set_desc(desc, 0, BUF, 16, F_NEXT, 1);
    set_desc(desc, 1, data, len, F_NEXT | (type == BLK_T_IN ? F_WRITE : 0), 2);
    set_desc(desc, 2, BUF + 16, 1, F_WRITE, 0);
    u16 before = used[1];
    offer(0);
    if (used[1] != (u16)(before + 1))
        return 0xff;
    used_interrupt();
    return *status;
}

/* A virtio-blk round trip: the last sector written with a line naming the round, read back
 * into other memory, compared. */
static bool blk_round_trip(void)
{
    u64 sector = blk_capacity - 1;
    char *w = (char *)BLK_DATA, *r = (char *)BLK_READBACK;
    memset(w, 0, 512);
    memset(r, 0x5a, 512);
    fmt_snprintf(w, 512, "vhostile: sector %llu written in round %llu\n", (unsigned long long)sector,
                 (unsigned long long)round_no);
    u8 st_w = blk_request(BLK_T_OUT, sector, BLK_DATA, 512);
    u8 st_r = blk_request(BLK_T_IN, sector, BLK_READBACK, 512);
    if (st_w != 0 || st_r != 0 || memcmp(w, r, 512) != 0) {
        gprintf("vhostile: block round trip failed (write status %#x, read status %#x, data %s)\n", st_w, st_r,
                memcmp(w, r, 512) ? "differs" : "same");
        return false;
    }
    blk_round_trips++;
    return true;
}

/* A valid chain must be used (the device works after the reset): for the console a line of
 * output, for virtio-net a broadcast frame from 02:00:00:00:00:77 (a 12-byte header, then the
 * frame) that the switch hands to the other VMs of the network, for virtio-blk a sector written
 * and read back. */
static void expect_working(void)
{
    if (device_id == 2) {
        u32 st = rd(R_STATUS);
        if (!blk_round_trip() || st != S_OK) {
            failures++;
            gprintf("vhostile: a valid request failed (status %#x)\n", st);
        }
        return;
    }
    static const char msg[] = "vhostile: hvc ok\n";
    static const u8 frame[12 + 60] = {[12] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x77,
                                      0x88, 0xb5, 'v', 'h', 'o', 's', 't', 'i', 'l', 'e'};
    bool is_net = device_id == 1;
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
    used_interrupt();
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
        {GUEST_UART_GPA, 16, "buffer on a device (the UART)"},
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
    wr(R_QUEUE_NOTIFY, vq);
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

static u64 fnv1a(const u8 *p, u64 n)
{
    u64 h = 0xcbf29ce484222325ull;
    for (u64 i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* virtio-blk: the disk's first 64 KiB read in one request (the test compares the checksum with
 * the host's), the capacity from the config space. */
static void blk_start(void)
{
    blk_capacity = rd(R_CONFIG) | (u64)rd(R_CONFIG + 4) << 32;
    device_init(DESC, AVAIL, USED);
    u32 len = blk_capacity >= 128 ? 0x10000 : 512;
    u8 st = blk_request(BLK_T_IN, 0, BLK_DATA, len);
    gprintf("vhostile: virtio-blk of %llu sectors: read %u bytes at sector 0 (status %u), fnv1a %016llx\n",
            (unsigned long long)blk_capacity, len, st, (unsigned long long)fnv1a((const u8 *)BLK_DATA, len));
    if (st != 0 || blk_capacity < 2)
        failures++;
}

void guest_main(u64 dtb)
{
    u32 id = rd(R_DEVICE_ID);
    if (rd(R_MAGIC) != 0x74726976 || rd(R_VERSION) != 2 || id < 1 || id > 3) {
        gprintf("vhostile: no virtio console, virtio-net or virtio-blk device at %#lx\n", VIO);
        guest_system_off();
    }
    device_id = id;
    vq = id == 2 ? 0 : 1;
    irq_to_check = vhostile_arch_irq_setup(dtb);
    if (id == 2)
        blk_start();
    u64 next_report = 0, period = guest_counter_freq() * 2;
    for (u64 n = 1;; n++) {
        round_no = n;
        round();
        if (n == 1 || guest_counter() >= next_report || failures) {
            if (id == 2)
                gprintf("vhostile: round %llu: %u attacks refused, %u failures, %llu block round trips, device "
                        "working\n",
                        (unsigned long long)n, refused, failures, (unsigned long long)blk_round_trips);
            else
                gprintf("vhostile: round %llu: %u attacks refused, %u failures, device working\n",
                        (unsigned long long)n, refused, failures);
            next_report = guest_counter() + period;
        }
        if (failures)
            guest_system_off();
    }
}
