/* libFuzzer target for the switch between virtio-net devices (lib/src/vswitch.c): the input is a
 * script of hostile guests' frames (any length, any addresses) and of VMs coming and going. Each
 * step is one byte op, one byte port, then for a send two length bytes and the frame. Invariants
 * trap: queues stay bounded, a detached port is never given or kicked a frame, nothing queued is
 * shorter or longer than a frame may be or comes from a group address, and counters add up. */
#include <stddef.h>
#include <stdint.h>

#include <lib/string.h>
#include <lib/vswitch.h>

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            __builtin_trap();                                                                                \
    } while (0)

#define PORTS 4u

static struct vswitch sw;
static struct vswitch_port ports[PORTS];

static void kick(struct vswitch_port *p)
{
    u32 i = (u32)(p - ports);
    CHECK(i < PORTS && p->sw == &sw && sw.port[p->index] == p && p->count > 0);
    /* Deliver one frame now and then: leaves the rest queued, as a slow receiver would. */
    u32 len = 0;
    const u8 *f = vswitch_peek(p, &len);
    CHECK(f && len >= VSWITCH_FRAME_MIN && len <= VSWITCH_FRAME_MAX && !(f[6] & 1));
    if (f[len - 1] & 1)
        vswitch_pop(p, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static u8 frame[VSWITCH_FRAME_MAX + 64];
    memset(&sw, 0, sizeof(sw));
    memset(ports, 0, sizeof(ports));
    for (u32 i = 0; i < PORTS; i++) {
        ports[i].kick = kick;
        CHECK(vswitch_attach(&sw, &ports[i]) == 0);
    }
    size_t at = 0;
    u64 now_ms = 0;
    while (at + 2 <= size) {
        u8 op = data[at] % 4, tick = data[at + 1] >> 4;
        struct vswitch_port *p = &ports[data[at + 1] % PORTS];
        at += 2;
        if (op == 0 && at + 2 <= size) {
            u32 len = (u32)(data[at] | data[at + 1] << 8) % (VSWITCH_FRAME_MAX + 64);
            at += 2;
            u32 have = (u32)MIN((size_t)len, size - at);
            memset(frame, 0, sizeof(frame));
            memcpy(frame, data + at, have);
            at += have;
            now_ms += tick; /* time moves by the port byte's high bits */
            u32 n = vswitch_send(p, frame, len, now_ms);
            CHECK(n < PORTS && (p->sw || n == 0));
        } else if (op == 1) {
            u32 len;
            while (vswitch_peek(p, &len))
                vswitch_pop(p, data[at - 1] & 0x10);
        } else if (op == 2) {
            vswitch_detach(p);
            CHECK(!p->sw && p->count == 0);
        } else if (op == 3 && !p->sw) {
            struct vswitch_port_stats st = p->st;
            memset(p, 0, sizeof(*p));
            p->kick = kick;
            p->st = st;
            CHECK(vswitch_attach(&sw, p) == 0);
        }
        for (u32 i = 0; i < PORTS; i++) {
            CHECK(ports[i].count <= VSWITCH_QUEUE);
            CHECK(!ports[i].sw ? ports[i].count == 0 : sw.port[ports[i].index] == &ports[i]);
        }
        for (u32 i = 0; i < VSWITCH_MAC_ENTRIES; i++)
            CHECK(!sw.mac[i].used || (sw.port[sw.mac[i].port] && !(sw.mac[i].mac[0] & 1)));
    }
    return 0;
}
