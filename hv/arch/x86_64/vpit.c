/* The virtual 8254 PIT (<arch/vpit.h>). Facts: the Intel 8254 datasheet (modes, control word,
 * counter latch, LSB/MSB access) and the PC's port 0x61 (bit 0 gate 2, bit 1 speaker, bit 4
 * refresh toggle, bit 5 OUT2). The read-back command is not offered (PCs' OSes do not use it). */
#include <arch/vpit.h>
#include <lib/string.h>

#define PORT_CONTROL 0x43u

/* a * num / den without 128-bit arithmetic (num, den below 2^32). */
static u64 to_pit(const struct vpit *p, u64 host)
{
    return host / p->host_hz * VPIT_HZ + host % p->host_hz * VPIT_HZ / p->host_hz;
}

/* ... rounded up: the host time at which the PIT has counted pit clocks. */
static u64 to_host(const struct vpit *p, u64 pit)
{
    u64 rem = pit % VPIT_HZ * p->host_hz;
    return pit / VPIT_HZ * p->host_hz + rem / VPIT_HZ + (rem % VPIT_HZ != 0);
}

void vpit_init(struct vpit *p, u64 host_hz)
{
    memset(p, 0, sizeof(*p));
    p->host_hz = host_hz && host_hz < (1ull << 32) ? host_hz : 1000000000u;
    for (int i = 0; i < 3; i++)
        p->ch[i].access = 3, p->ch[i].reload = 65536;
}

static bool periodic(u8 mode) { return mode == 2 || mode == 3; }

/* PIT clocks since the channel started counting. */
static u64 elapsed(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
    return c->counting && now > c->start ? to_pit(p, now - c->start) : 0;
}

static u16 count_now(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
    if (!c->counting)
        return (u16)c->reload;
    u64 e = elapsed(p, c, now), n = c->reload;
    if (c->mode == 3) /* square wave: counts down by two, twice per period */
        return (u16)((n - (2 * e) % n) & ~1ull);
    if (periodic(c->mode))
        return (u16)(n - e % n);
    return (u16)(n - e); /* one-shot modes wrap through 0xFFFF after the terminal count */
}

static bool out_now(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
    if (!c->counting)
        return c->mode != 0; /* mode 0's OUT goes low when the mode is written; the others high */
    u64 e = elapsed(p, c, now), n = c->reload;
    switch (c->mode) {
    case 0:
    case 1: return e >= n;
    case 2: return e % n != n - 1;
    case 3: return e % n < (n + 1) / 2;
    default: return e != n; /* 4, 5: a one-clock strobe at the terminal count */
    }
}

static void load(struct vpit *p, int i, u32 value, u64 now)
{
    struct vpit_channel *c = &p->ch[i];
    c->reload = value ? value : 65536;
    if (i == 0 && periodic(c->mode) && c->reload < VPIT_MIN_PERIOD)
        c->reload = VPIT_MIN_PERIOD;
    c->start = now;
    c->fired = c->backlog = 0;
    c->last_edge = 0;
    c->out_fired = false;
    c->counting = i != 2 || p->gate2 || c->mode == 0; /* gated modes wait for the gate (mode 0 counts) */
}

u8 vpit_read(struct vpit *p, u16 port, u64 now)
{
    if (port == VPIT_PORT_61) {
        p->refresh = !p->refresh;
        return (u8)((p->gate2 ? 1 : 0) | (p->speaker ? 2 : 0) | (p->refresh ? 0x10 : 0) |
                    (out_now(p, &p->ch[2], now) ? 0x20 : 0));
    }
    if (port < VPIT_PORT || port >= PORT_CONTROL)
        return 0xff; /* the control word is write-only */
    struct vpit_channel *c = &p->ch[port - VPIT_PORT];
    u16 v = c->latched ? c->latch : count_now(p, c, now);
    u8 byte;
    if (c->access == 1) {
        byte = (u8)v;
    } else if (c->access == 2) {
        byte = (u8)(v >> 8);
    } else {
        byte = c->read_msb ? (u8)(v >> 8) : (u8)v;
        c->read_msb = !c->read_msb;
        if (c->read_msb)
            return byte; /* the latch holds until its MSB is read too */
    }
    c->latched = false;
    return byte;
}

bool vpit_write(struct vpit *p, u16 port, u8 value, u64 now)
{
    if (port == VPIT_PORT_61) {
        bool rise = (value & 1) && !p->gate2;
        p->gate2 = value & 1;
        p->speaker = value & 2;
        struct vpit_channel *c = &p->ch[2];
        /* A rising gate (re)starts modes 1, 2, 3 and 5; mode 0 counts from its load either way. */
        if (rise && c->mode != 0 && c->mode != 4 && (c->counting || c->reload))
            c->start = now, c->counting = true, c->out_fired = false;
        return false;
    }
    if (port == PORT_CONTROL) {
        u32 i = value >> 6;
        if (i == 3)
            return false; /* read-back: not offered */
        struct vpit_channel *c = &p->ch[i];
        u8 access = (value >> 4) & 3;
        if (access == 0) { /* counter latch */
            if (!c->latched) {
                c->latch = count_now(p, c, now);
                c->latched = true;
                c->read_msb = false;
            }
            return false;
        }
        u8 mode = (value >> 1) & 7;
        c->mode = mode > 5 ? mode - 4 : mode; /* 6, 7 are 2, 3 */
        c->access = access;
        c->write_msb = c->read_msb = c->latched = false;
        c->counting = false; /* until the count is written */
        c->out_fired = false;
        return i == 0;
    }
    if (port < VPIT_PORT || port > PORT_CONTROL)
        return false;
    int i = port - VPIT_PORT;
    struct vpit_channel *c = &p->ch[i];
    if (c->access == 1) {
        load(p, i, value, now);
    } else if (c->access == 2) {
        load(p, i, (u32)value << 8, now);
    } else if (!c->write_msb) {
        c->lsb = value;
        c->write_msb = true;
        return false;
    } else {
        c->write_msb = false;
        load(p, i, c->lsb | ((u32)value << 8), now);
    }
    return i == 0;
}

u32 vpit_poll(struct vpit *p, u64 now, u64 *next)
{
    struct vpit_channel *c = &p->ch[0];
    *next = 0;
    if (!c->counting)
        return 0;
    u64 n = c->reload;
    if (periodic(c->mode)) {
        u64 done = now > c->start ? to_pit(p, now - c->start) / n : 0;
        if (done > c->fired) {
            u64 missed = done - c->fired;
            c->backlog = c->backlog + missed > VPIT_MAX_BACKLOG ? VPIT_MAX_BACKLOG : c->backlog + missed;
            c->fired = done;
        }
        u32 edges = 0;
        if (c->backlog && now >= c->last_edge + to_host(p, VPIT_CATCHUP_GAP)) {
            c->backlog--, edges = 1;
            c->last_edge = now;
        }
        *next = c->start + to_host(p, (c->fired + 1) * n);
        if (c->backlog && c->last_edge + to_host(p, VPIT_CATCHUP_GAP) < *next)
            *next = c->last_edge + to_host(p, VPIT_CATCHUP_GAP);
        return edges;
    }
    if (c->out_fired)
        return 0;
    u64 at = c->start + to_host(p, n);
    if (now >= at) {
        c->out_fired = true;
        return 1;
    }
    *next = at;
    return 0;
}
