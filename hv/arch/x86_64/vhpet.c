/* The HPET (<arch/vhpet.h>). Facts: the IA-PC HPET specification 1.0a, 2.3 (registers). */
#include <arch/vhpet.h>
#include <lib/string.h>

#define REG_CAP 0x000
#define REG_CFG 0x010
#define REG_ISR 0x020
#define REG_COUNTER 0x0f0
#define REG_TIMER 0x100 /* + 0x20 n: configuration and capabilities, comparator, FSB route */
#define CFG_ENABLE 1ull
#define CAP_COUNT_64 (1u << 13)
/* Tn configuration bits a guest may set: level, enable, periodic, value set, 32-bit mode, route
 * (to nothing: no route is offered), FSB enable (not offered either: stays 0). */
#define TN_WRITABLE 0x3f4eull
#define TN_PERIODIC_CAP (1ull << 4)
#define TN_SIZE_CAP (1ull << 5)

u32 vhpet_id(void) { return 1 | ((VHPET_TIMERS - 1) << 8) | CAP_COUNT_64 | (VHPET_VENDOR << 16); }

void vhpet_init(struct vhpet *h, u64 host_hz)
{
    memset(h, 0, sizeof(*h));
    h->host_hz = host_hz && host_hz < (1ull << 32) ? host_hz : 1000000000u;
    for (u32 i = 0; i < VHPET_TIMERS; i++) {
        h->timer_cfg[i] = TN_PERIODIC_CAP | TN_SIZE_CAP;
        h->comparator[i] = ~0ull;
    }
}

static u64 counter(const struct vhpet *h, u64 now)
{
    if (!h->enabled)
        return h->counter;
    u64 t = now > h->start ? now - h->start : 0;
    return h->counter + t / h->host_hz * VHPET_HZ + t % h->host_hz * VHPET_HZ / h->host_hz;
}

static u64 reg_read(const struct vhpet *h, u64 reg, u64 now)
{
    if (reg == REG_CAP)
        return vhpet_id() | ((u64)VHPET_PERIOD_FS << 32);
    if (reg == REG_CFG)
        return h->enabled ? CFG_ENABLE : 0;
    if (reg == REG_COUNTER)
        return counter(h, now);
    if (reg >= REG_TIMER && reg < REG_TIMER + 0x20 * VHPET_TIMERS) {
        u32 n = (u32)(reg - REG_TIMER) / 0x20;
        u32 r = (u32)(reg - REG_TIMER) % 0x20;
        return r == 0 ? h->timer_cfg[n] : r == 8 ? h->comparator[n] : r == 0x10 ? h->fsb[n] : 0;
    }
    return 0; /* interrupt status and reserved registers */
}

static void reg_write(struct vhpet *h, u64 reg, u64 v, u64 mask, u64 now)
{
    if (reg == REG_CFG) {
        bool on = v & CFG_ENABLE & mask;
        if (on && !h->enabled)
            h->start = now;
        else if (!on && h->enabled)
            h->counter = counter(h, now);
        if (mask & CFG_ENABLE)
            h->enabled = on;
    } else if (reg == REG_COUNTER && !h->enabled) { /* the counter is written only while halted */
        h->counter = (h->counter & ~mask) | (v & mask);
    } else if (reg >= REG_TIMER && reg < REG_TIMER + 0x20 * VHPET_TIMERS) {
        u32 n = (u32)(reg - REG_TIMER) / 0x20;
        u32 r = (u32)(reg - REG_TIMER) % 0x20;
        if (r == 0)
            h->timer_cfg[n] = (h->timer_cfg[n] & ~(mask & TN_WRITABLE)) | (v & mask & TN_WRITABLE & ~(0x1full << 9) & ~(1ull << 14));
        else if (r == 8)
            h->comparator[n] = (h->comparator[n] & ~mask) | (v & mask);
        else if (r == 0x10)
            h->fsb[n] = (h->fsb[n] & ~mask) | (v & mask);
    }
}

bool vhpet_read(struct vhpet *h, u64 off, u8 width, u64 now, u64 *value)
{
    if ((width != 4 && width != 8) || (off & (width - 1)) || off >= VHPET_SIZE)
        return false;
    u64 v = reg_read(h, off & ~7ull, now);
    *value = width == 8 ? v : (u32)(v >> (8 * (off & 4)));
    return true;
}

bool vhpet_write(struct vhpet *h, u64 off, u8 width, u64 value, u64 now)
{
    if ((width != 4 && width != 8) || (off & (width - 1)) || off >= VHPET_SIZE)
        return false;
    u32 shift = 8 * (u32)(off & 4);
    u64 mask = width == 8 ? ~0ull : 0xffffffffull << shift;
    reg_write(h, off & ~7ull, width == 8 ? value : (value & 0xffffffffull) << shift, mask, now);
    return true;
}
