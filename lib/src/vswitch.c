/* A small learning L2 switch (see lib/vswitch.h). */
#include <lib/string.h>
#include <lib/vswitch.h>

static bool is_group(const u8 *mac) { return mac[0] & 1; } /* broadcast or multicast */

BUILT_FOR_SIZE int vswitch_attach(struct vswitch *sw, struct vswitch_port *p)
{
    for (u32 i = 0; i < VSWITCH_MAX_PORTS; i++) {
        if (sw->port[i])
            continue;
        p->sw = sw;
        p->index = i;
        p->head = p->count = 0;
        p->flood_tokens = VSWITCH_FLOOD_BURST;
        p->flood_ms = 0;
        sw->port[i] = p;
        return 0;
    }
    return -1;
}

void vswitch_detach(struct vswitch_port *p)
{
    struct vswitch *sw = p->sw;
    if (!sw)
        return;
    for (u32 i = 0; i < VSWITCH_MAC_ENTRIES; i++)
        if (sw->mac[i].used && sw->mac[i].port == p->index)
            sw->mac[i].used = false;
    sw->port[p->index] = NULL;
    p->sw = NULL;
    p->head = p->count = 0;
}

static struct vswitch_mac *lookup(struct vswitch *sw, const u8 *mac)
{
    for (u32 i = 0; i < VSWITCH_MAC_ENTRIES; i++)
        if (sw->mac[i].used && !memcmp(sw->mac[i].mac, mac, 6))
            return &sw->mac[i];
    return NULL;
}

/* The source address was seen on port: (re)learned there, a full table giving up its least
 * recently seen entry. */
static void learn(struct vswitch *sw, const u8 *mac, u32 port)
{
    struct vswitch_mac *e = lookup(sw, mac);
    if (!e) {
        e = &sw->mac[0];
        for (u32 i = 0; i < VSWITCH_MAC_ENTRIES; i++) {
            struct vswitch_mac *c = &sw->mac[i];
            if (!c->used) {
                e = c;
                break;
            }
            if ((u32)(sw->clock - c->seen) > (u32)(sw->clock - e->seen))
                e = c;
        }
        memcpy(e->mac, mac, 6);
        e->used = true;
    }
    e->port = (u8)port;
    e->seen = ++sw->clock;
}

static u32 enqueue(struct vswitch_port *p, const u8 *frame, u32 len)
{
    if (p->count == VSWITCH_QUEUE) {
        p->st.rx_dropped_full++;
        return 0;
    }
    u32 slot = (p->head + p->count) % VSWITCH_QUEUE;
    memcpy(p->frame[slot], frame, len);
    p->len[slot] = (u16)len;
    p->count++;
    return 1;
}

/* Whether src may flood one more frame now (a token bucket). */
static bool may_flood(struct vswitch_port *src, u64 now_ms)
{
    if (now_ms > src->flood_ms) {
        u64 earned = (now_ms - src->flood_ms) * VSWITCH_FLOOD_RATE / 1000;
        if (earned) {
            src->flood_tokens = (u32)MIN((u64)VSWITCH_FLOOD_BURST, src->flood_tokens + earned);
            src->flood_ms = now_ms;
        }
    } else if (now_ms < src->flood_ms) {
        src->flood_ms = now_ms; /* a clock from another origin: start over */
    }
    if (!src->flood_tokens) {
        src->st.tx_dropped_flood++;
        return false;
    }
    src->flood_tokens--;
    return true;
}

u32 vswitch_send(struct vswitch_port *src, const u8 *frame, u32 len, u64 now_ms)
{
    struct vswitch *sw = src->sw;
    if (!sw)
        return 0;
    if (len < VSWITCH_FRAME_MIN || len > VSWITCH_FRAME_MAX || is_group(frame + 6)) {
        src->st.tx_dropped++;
        return 0;
    }
    src->st.tx_frames++;
    src->st.tx_bytes += len;
    learn(sw, frame + 6, src->index);
    const struct vswitch_mac *dst = is_group(frame) ? NULL : lookup(sw, frame);
    if (dst) {
        if (dst->port == src->index)
            return 0; /* for the sender's own side: a switch never sends a frame back */
        struct vswitch_port *p = sw->port[dst->port];
        sw->forwarded++;
        u32 n = enqueue(p, frame, len);
        if (n && p->kick)
            p->kick(p);
        return n;
    }
    if (!may_flood(src, now_ms))
        return 0;
    sw->flooded++;
    u32 n = 0;
    bool queued[VSWITCH_MAX_PORTS] = {false};
    for (u32 i = 0; i < VSWITCH_MAX_PORTS; i++)
        if (sw->port[i] && i != src->index && enqueue(sw->port[i], frame, len)) {
            queued[i] = true;
            n++;
        }
    /* Every copy is queued before the first receiver is kicked. */
    for (u32 i = 0; i < VSWITCH_MAX_PORTS; i++)
        if (queued[i] && sw->port[i] && sw->port[i]->kick)
            sw->port[i]->kick(sw->port[i]);
    return n;
}

const u8 *vswitch_peek(const struct vswitch_port *p, u32 *len)
{
    if (!p->count)
        return NULL;
    *len = p->len[p->head];
    return p->frame[p->head];
}

void vswitch_pop(struct vswitch_port *p, bool delivered)
{
    if (!p->count)
        return;
    if (delivered) {
        p->st.rx_frames++;
        p->st.rx_bytes += p->len[p->head];
    } else {
        p->st.rx_dropped_absent++;
    }
    p->head = (p->head + 1) % VSWITCH_QUEUE;
    p->count--;
}

void vswitch_flush(struct vswitch_port *p)
{
    while (p->count)
        vswitch_pop(p, false);
}
