/* The virtual PLIC's state and registers (<arch/vplic.h>): pure logic, host-tested. */
#include <arch/vplic.h>
#include <lib/string.h>

static bool bit(const u32 *words, u32 src) { return (words[src / 32] >> (src % 32)) & 1u; }
static void set_bit(u32 *words, u32 src, bool on)
{
    u32 m = 1u << (src % 32);
    words[src / 32] = on ? words[src / 32] | m : words[src / 32] & ~m;
}

static bool source_ok(u32 src) { return src >= 1 && src < VPLIC_SOURCES; }

/* The sources of word w that exist: all (but 0) unless the PLIC is filtered. */
static u32 existing(const struct vplic *p, u32 w) { return p->filtered ? p->own[w] : w == 0 ? ~1u : ~0u; }

static bool source_exists(const struct vplic *p, u32 src)
{
    return source_ok(src) && ((existing(p, src / 32) >> (src % 32)) & 1u);
}

/* Requesting service: a high line or an edge, unless already in service. */
static u32 pending_word(const struct vplic *p, u32 w) { return (p->level[w] | p->edge[w]) & ~p->claimed[w]; }

void vplic_init(struct vplic *p, u32 harts)
{
    memset(p, 0, sizeof(*p));
    if (harts > VPLIC_MAX_HARTS)
        harts = VPLIC_MAX_HARTS;
    p->contexts = harts * VPLIC_CONTEXTS_PER_HART;
}

void vplic_filter(struct vplic *p) { p->filtered = true; }

bool vplic_own(struct vplic *p, u32 src)
{
    if (!source_ok(src))
        return false;
    set_bit(p->own, src, true);
    return true;
}

bool vplic_set_level(struct vplic *p, u32 src, bool level)
{
    if (!source_exists(p, src))
        return false;
    set_bit(p->level, src, level);
    return true;
}

bool vplic_raise(struct vplic *p, u32 src)
{
    if (!source_exists(p, src))
        return false;
    set_bit(p->edge, src, true);
    return true;
}

/* The highest-priority pending source enabled for the context above its threshold (the lowest
 * number among equals, as the spec breaks ties), or 0. */
static u32 best_source(const struct vplic *p, u32 context)
{
    const struct vplic_context *c = &p->ctx[context];
    u32 best = 0, best_prio = c->threshold;
    for (u32 w = 0; w < VPLIC_WORDS; w++) {
        u32 cand = pending_word(p, w) & c->enable[w];
        while (cand) {
            u32 src = w * 32 + (u32)__builtin_ctz(cand);
            cand &= cand - 1;
            if (p->priority[src] > best_prio) {
                best = src;
                best_prio = p->priority[src];
            }
        }
    }
    return best;
}

bool vplic_in_service(const struct vplic *p, u32 src) { return source_ok(src) && bit(p->claimed, src); }

bool vplic_context_output(const struct vplic *p, u32 context)
{
    return context < p->contexts && best_source(p, context) != 0;
}

bool vplic_enables(const struct vplic *p, u32 context, u32 src)
{
    return context < p->contexts && source_ok(src) && bit(p->ctx[context].enable, src);
}

bool vplic_requests(const struct vplic *p, u32 context, u32 src)
{
    return vplic_enables(p, context, src) && ((pending_word(p, src / 32) >> (src % 32)) & 1u) &&
           p->priority[src] > p->ctx[context].threshold;
}

static u32 claim(struct vplic *p, u32 context)
{
    u32 src = best_source(p, context);
    if (src) {
        set_bit(p->edge, src, false);
        set_bit(p->claimed, src, true);
    }
    return src;
}

/* Ignored unless the source is in service and enabled for the context (the spec's rule). */
static void complete(struct vplic *p, u32 context, u64 value)
{
    if (value == 0 || value >= VPLIC_SOURCES)
        return;
    u32 src = (u32)value;
    if (bit(p->claimed, src) && bit(p->ctx[context].enable, src))
        set_bit(p->claimed, src, false);
}

bool vplic_read(struct vplic *p, u64 off, u8 width, u64 *value)
{
    if (width != 4 || (off & 3))
        return false;
    u32 v = 0;
    if (off < VPLIC_PENDING) {
        u64 src = off / 4;
        v = src < VPLIC_SOURCES ? p->priority[src] : 0;
    } else if (off < VPLIC_ENABLE) {
        u64 w = (off - VPLIC_PENDING) / 4;
        v = w < VPLIC_WORDS ? pending_word(p, (u32)w) : 0;
    } else if (off < VPLIC_CONTEXT) {
        u64 ctx = (off - VPLIC_ENABLE) / VPLIC_ENABLE_STRIDE, w = (off - VPLIC_ENABLE) % VPLIC_ENABLE_STRIDE / 4;
        v = ctx < p->contexts && w < VPLIC_WORDS ? p->ctx[ctx].enable[w] : 0;
    } else {
        u64 ctx = (off - VPLIC_CONTEXT) / VPLIC_CONTEXT_STRIDE, reg = (off - VPLIC_CONTEXT) % VPLIC_CONTEXT_STRIDE;
        if (ctx < p->contexts && reg == 0)
            v = p->ctx[ctx].threshold;
        else if (ctx < p->contexts && reg == 4)
            v = claim(p, (u32)ctx);
    }
    *value = v;
    return true;
}

bool vplic_read_claims(u64 off)
{
    return off >= VPLIC_CONTEXT && (off - VPLIC_CONTEXT) % VPLIC_CONTEXT_STRIDE == 4;
}

bool vplic_write(struct vplic *p, u64 off, u8 width, u64 value)
{
    if (width != 4 || (off & 3))
        return false;
    u32 v = (u32)value;
    if (off < VPLIC_PENDING) {
        u64 src = off / 4;
        if (source_exists(p, (u32)src))
            p->priority[src] = (u8)(v & VPLIC_PRIO_MASK);
    } else if (off < VPLIC_ENABLE) {
        /* pending bits are read-only */
    } else if (off < VPLIC_CONTEXT) {
        u64 ctx = (off - VPLIC_ENABLE) / VPLIC_ENABLE_STRIDE, w = (off - VPLIC_ENABLE) % VPLIC_ENABLE_STRIDE / 4;
        if (ctx < p->contexts && w < VPLIC_WORDS)
            p->ctx[ctx].enable[w] = v & existing(p, (u32)w); /* (source 0 never exists) */
    } else {
        u64 ctx = (off - VPLIC_CONTEXT) / VPLIC_CONTEXT_STRIDE, reg = (off - VPLIC_CONTEXT) % VPLIC_CONTEXT_STRIDE;
        if (ctx < p->contexts && reg == 0)
            p->ctx[ctx].threshold = v & VPLIC_PRIO_MASK;
        else if (ctx < p->contexts && reg == 4)
            complete(p, (u32)ctx, v);
    }
    return true;
}
