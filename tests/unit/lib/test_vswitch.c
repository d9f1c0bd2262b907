/* The switch between virtio-net devices: a frame to a learned MAC reaches only its port,
 * broadcast, multicast and unknown destinations every other port; a full queue drops and counts;
 * a detached port gets nothing more and its addresses are forgotten; bad frames are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <lib/string.h>
#include <lib/vswitch.h>

static struct vswitch sw;
static struct vswitch_port ports[4];
static unsigned kicks[4];
static u64 now_ms; /* advanced 10 ms a frame: the flood limit never bites, except where tested */

static void kick(struct vswitch_port *p) { kicks[p - ports]++; }

static int setup(void **state)
{
    (void)state;
    memset(&sw, 0, sizeof(sw));
    memset(ports, 0, sizeof(ports));
    memset(kicks, 0, sizeof(kicks));
    for (u32 i = 0; i < 3; i++) {
        ports[i].owner = &ports[i];
        ports[i].kick = kick;
        assert_int_equal(vswitch_attach(&sw, &ports[i]), 0);
    }
    return 0;
}

static const u8 BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void mac_of(u32 n, u8 mac[6])
{
    const u8 m[6] = {0x02, 0, 0, 0, 0, (u8)n};
    memcpy(mac, m, 6);
}

/* A frame from MAC src to dst, len bytes, its payload byte tag. */
static u32 send(u32 port, const u8 *dst, u32 src, u32 len, u8 tag)
{
    static u8 f[VSWITCH_FRAME_MAX + 16];
    memset(f, tag, sizeof(f));
    memcpy(f, dst, 6);
    mac_of(src, f + 6);
    now_ms += 10;
    return vswitch_send(&ports[port], f, len, now_ms);
}

static u32 queued(u32 port) { return ports[port].count; }

/* The oldest frame queued for port: its length and tag; popped as delivered. */
static void expect_frame(u32 port, u32 len, u8 tag)
{
    u32 l = 0;
    const u8 *f = vswitch_peek(&ports[port], &l);
    assert_non_null(f);
    assert_int_equal(l, len);
    assert_int_equal(f[len - 1], tag);
    vswitch_pop(&ports[port], true);
}

static void unknown_and_broadcast_flood_learned_unicast_forwards(void **state)
{
    (void)state;
    u8 mac1[6];
    mac_of(1, mac1);
    /* Port 0 (MAC 0) to MAC 1, not learned yet: every other port. */
    assert_int_equal(send(0, mac1, 0, 60, 0xa1), 2);
    assert_int_equal(queued(1), 1);
    assert_int_equal(queued(2), 1);
    assert_int_equal(queued(0), 0); /* never back to the sender */
    assert_int_equal(kicks[1], 1);
    assert_int_equal(kicks[2], 1);
    assert_int_equal(sw.flooded, 1);
    expect_frame(1, 60, 0xa1);
    vswitch_flush(&ports[2]);
    /* Port 1 answers from MAC 1 to MAC 0: learned, so only port 0. */
    u8 mac0[6];
    mac_of(0, mac0);
    assert_int_equal(send(1, mac0, 1, 100, 0xb2), 1);
    assert_int_equal(queued(0), 1);
    assert_int_equal(queued(2), 0);
    assert_int_equal(sw.forwarded, 1);
    expect_frame(0, 100, 0xb2);
    /* And now port 0's frames to MAC 1 go to port 1 alone. */
    assert_int_equal(send(0, mac1, 0, VSWITCH_FRAME_MAX, 0xc3), 1);
    assert_int_equal(queued(2), 0);
    expect_frame(1, VSWITCH_FRAME_MAX, 0xc3);
    /* Broadcast and multicast destinations flood even when learned sources exist. */
    assert_int_equal(send(1, BCAST, 1, 42, 0xd4), 2);
    const u8 mcast[6] = {0x33, 0x33, 0, 0, 0, 1};
    assert_int_equal(send(1, mcast, 1, 42, 0xd5), 2);
    expect_frame(0, 42, 0xd4);
    expect_frame(0, 42, 0xd5);
    expect_frame(2, 42, 0xd4);
    expect_frame(2, 42, 0xd5);
    /* A frame for a MAC learned on the sender's own port goes nowhere. */
    assert_int_equal(send(1, mac1, 1, 60, 0xe6), 0);
    assert_int_equal(queued(0) + queued(2), 0);
    /* Counters. */
    assert_int_equal(ports[0].st.tx_frames, 2);
    assert_int_equal(ports[0].st.tx_bytes, 60 + VSWITCH_FRAME_MAX);
    assert_int_equal(ports[1].st.rx_frames, 2);
    assert_int_equal(ports[1].st.rx_bytes, 60 + VSWITCH_FRAME_MAX);
    assert_int_equal(ports[2].st.rx_dropped_absent, 1); /* the flushed flood */
}

static void a_mac_moves_with_its_sender(void **state)
{
    (void)state;
    u8 mac5[6];
    mac_of(5, mac5);
    assert_int_equal(send(0, BCAST, 5, 60, 1), 2);
    assert_int_equal(send(1, mac5, 1, 60, 2), 1);
    expect_frame(0, 60, 2);
    for (u32 i = 0; i < 3; i++)
        vswitch_flush(&ports[i]);
    /* MAC 5 now speaks from port 2 (a VM restarted elsewhere): frames follow it. */
    assert_int_equal(send(2, BCAST, 5, 60, 3), 2);
    for (u32 i = 0; i < 3; i++)
        vswitch_flush(&ports[i]);
    assert_int_equal(send(1, mac5, 1, 60, 4), 1);
    assert_int_equal(queued(0), 0);
    expect_frame(2, 60, 4);
}

static void bad_frames_are_refused_and_counted(void **state)
{
    (void)state;
    assert_int_equal(send(0, BCAST, 0, VSWITCH_FRAME_MIN - 1, 1), 0);
    assert_int_equal(send(0, BCAST, 0, VSWITCH_FRAME_MAX + 1, 1), 0);
    /* A multicast source address is never learned nor forwarded. */
    static u8 f[64];
    memcpy(f, BCAST, 6);
    memcpy(f + 6, BCAST, 6);
    assert_int_equal(vswitch_send(&ports[0], f, 64, now_ms += 10), 0);
    assert_int_equal(ports[0].st.tx_dropped, 3);
    assert_int_equal(ports[0].st.tx_frames, 0);
    assert_int_equal(queued(1) + queued(2), 0);
    assert_int_equal(kicks[1] + kicks[2], 0);
    for (u32 i = 0; i < VSWITCH_MAC_ENTRIES; i++)
        assert_false(sw.mac[i].used);
    /* The smallest and largest frames pass. */
    assert_int_equal(send(0, BCAST, 0, VSWITCH_FRAME_MIN, 1), 2);
    assert_int_equal(send(0, BCAST, 0, VSWITCH_FRAME_MAX, 1), 2);
}

static void a_full_queue_drops_and_counts(void **state)
{
    (void)state;
    u8 mac1[6];
    mac_of(1, mac1);
    assert_int_equal(send(1, BCAST, 1, 60, 0), 2); /* learn MAC 1 on port 1 */
    vswitch_flush(&ports[0]);
    vswitch_flush(&ports[2]);
    /* Port 1's receiver takes nothing: VSWITCH_QUEUE frames wait, the rest are dropped. */
    for (u32 i = 0; i < VSWITCH_QUEUE + 10; i++)
        assert_int_equal(send(0, mac1, 0, 60 + i, (u8)i), i < VSWITCH_QUEUE ? 1 : 0);
    assert_int_equal(queued(1), VSWITCH_QUEUE);
    assert_int_equal(ports[1].st.rx_dropped_full, 10);
    assert_int_equal(ports[0].st.tx_frames, VSWITCH_QUEUE + 10); /* accepted by the switch */
    /* In order, oldest first; then room again. */
    for (u32 i = 0; i < VSWITCH_QUEUE; i++)
        expect_frame(1, 60 + i, (u8)i);
    assert_null(vswitch_peek(&ports[1], &(u32){0}));
    assert_int_equal(send(0, mac1, 0, 70, 0x77), 1);
    expect_frame(1, 70, 0x77);
    assert_int_equal(ports[1].st.rx_frames, VSWITCH_QUEUE + 1);
}

static void a_detached_port_gets_nothing_and_is_forgotten(void **state)
{
    (void)state;
    u8 mac1[6];
    mac_of(1, mac1);
    assert_int_equal(send(1, BCAST, 1, 60, 0), 2);
    assert_int_equal(send(0, mac1, 0, 60, 1), 1);
    assert_int_equal(queued(1), 1);
    vswitch_detach(&ports[1]);
    assert_null(ports[1].sw);
    assert_int_equal(queued(1), 0); /* its queue is gone with it */
    assert_null(sw.port[1]);
    kicks[1] = 0;
    /* MAC 1 is unknown again: flooded, to port 2 only; port 1 never sees it. */
    assert_int_equal(send(0, mac1, 0, 60, 2), 1);
    assert_int_equal(send(2, BCAST, 2, 60, 3), 1);
    assert_int_equal(queued(1), 0);
    assert_int_equal(kicks[1], 0);
    for (u32 i = 0; i < VSWITCH_MAC_ENTRIES; i++)
        assert_false(sw.mac[i].used && sw.mac[i].port == 1);
    /* A detached port sends nothing either; detaching twice is harmless. */
    assert_int_equal(send(1, BCAST, 1, 60, 4), 0);
    vswitch_detach(&ports[1]);
    /* Its slot is free: a new port (the VM restarted) takes it. */
    memset(&ports[3], 0, sizeof(ports[3]));
    ports[3].kick = kick;
    assert_int_equal(vswitch_attach(&sw, &ports[3]), 0);
    assert_int_equal(ports[3].index, 1);
    assert_int_equal(send(0, BCAST, 0, 60, 5), 2);
    assert_int_equal(queued(3), 1);
}

static void ports_and_mac_table_are_bounded(void **state)
{
    (void)state;
    static struct vswitch_port more[VSWITCH_MAX_PORTS];
    u32 attached = 3;
    for (u32 i = 0; i < VSWITCH_MAX_PORTS; i++)
        if (vswitch_attach(&sw, &more[i]) == 0)
            attached++;
    assert_int_equal(attached, VSWITCH_MAX_PORTS);
    /* More source MACs than the table holds: the least recently seen ones make room, and the
     * most recent are all known (forwarded, not flooded). */
    for (u32 i = 0; i < VSWITCH_MAC_ENTRIES + 20; i++) {
        static u8 f[60];
        memcpy(f, BCAST, 6);
        const u8 m[6] = {0x02, 1, 0, 0, (u8)(i >> 8), (u8)i};
        memcpy(f + 6, m, 6);
        vswitch_send(&ports[1], f, 60, now_ms += 10);
    }
    u32 used = 0;
    for (u32 i = 0; i < VSWITCH_MAC_ENTRIES; i++)
        used += sw.mac[i].used;
    assert_int_equal(used, VSWITCH_MAC_ENTRIES);
    u64 flooded = sw.flooded;
    const u8 last[6] = {0x02, 1, 0, 0, 0, (u8)(VSWITCH_MAC_ENTRIES + 19)};
    assert_int_equal(send(0, last, 0, 60, 9), 1);
    assert_int_equal(sw.flooded, flooded);
    const u8 first[6] = {0x02, 1, 0, 0, 0, 0};
    send(0, first, 0, 60, 9);
    assert_int_equal(sw.flooded, flooded + 1); /* forgotten: flooded */
}

/* Storm control: a port floods at most VSWITCH_FLOOD_BURST frames at once and
 * VSWITCH_FLOOD_RATE a second; the rest are dropped and counted. Unicast to a learned port is
 * not limited. */
/* Port 0 floods f at t; the receivers' queues are emptied. 1 when it was let through. */
static u32 flood_once(const u8 *f, u64 t)
{
    u32 n = vswitch_send(&ports[0], f, 60, t);
    vswitch_flush(&ports[1]);
    vswitch_flush(&ports[2]);
    return n ? 1 : 0;
}

static void flooding_is_rate_limited_per_port(void **state)
{
    (void)state;
    static u8 f[60];
    memcpy(f, BCAST, 6);
    mac_of(0, f + 6);
    u64 t = 5000;
    u32 passed = 0;
    for (u32 i = 0; i < 3 * VSWITCH_FLOOD_BURST; i++)
        passed += flood_once(f, t);
    assert_int_equal(passed, VSWITCH_FLOOD_BURST);
    assert_int_equal(ports[0].st.tx_dropped_flood, 2 * VSWITCH_FLOOD_BURST);
    assert_int_equal(ports[0].st.tx_frames, 3 * VSWITCH_FLOOD_BURST); /* accepted, then limited */
    /* Another port's budget is its own. */
    mac_of(1, f + 6);
    assert_int_equal(vswitch_send(&ports[1], f, 60, t), 2);
    /* 100 ms later: VSWITCH_FLOOD_RATE / 10 more for port 0. */
    mac_of(0, f + 6);
    passed = 0;
    for (u32 i = 0; i < VSWITCH_FLOOD_BURST; i++)
        passed += flood_once(f, t + 100);
    assert_int_equal(passed, VSWITCH_FLOOD_RATE / 10);
    /* Unicast to the learned MAC 1 is not limited. */
    u8 mac1[6];
    mac_of(1, mac1);
    memcpy(f, mac1, 6);
    for (u32 i = 0; i < 10; i++) {
        assert_int_equal(vswitch_send(&ports[0], f, 60, t + 100), 1);
        vswitch_flush(&ports[1]);
    }
    /* Much later the budget is back, capped at a burst. */
    memcpy(f, BCAST, 6);
    passed = 0;
    for (u32 i = 0; i < 2 * VSWITCH_FLOOD_BURST; i++)
        passed += flood_once(f, t + 100000);
    assert_int_equal(passed, VSWITCH_FLOOD_BURST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(unknown_and_broadcast_flood_learned_unicast_forwards, setup),
        cmocka_unit_test_setup(a_mac_moves_with_its_sender, setup),
        cmocka_unit_test_setup(bad_frames_are_refused_and_counted, setup),
        cmocka_unit_test_setup(a_full_queue_drops_and_counts, setup),
        cmocka_unit_test_setup(a_detached_port_gets_nothing_and_is_forgotten, setup),
        cmocka_unit_test_setup(ports_and_mac_table_are_bounded, setup),
        cmocka_unit_test_setup(flooding_is_rate_limited_per_port, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
