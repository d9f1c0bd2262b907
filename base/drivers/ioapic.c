/* I/O APIC driver: indirect registers (IOREGSEL at +0, IOWIN at +0x10); redirection entry n is
 * registers 0x10 + 2n (low: vector, delivery, polarity, trigger, mask) and 0x11 + 2n (high:
 * destination APIC id in bits 31-24). */
#include <base/devclaim.h>
#include <base/log.h>
#include <drivers/ioapic.h>

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_VERSION 0x01
#define REDIR_LO(n) (0x10u + 2u * (n))
#define REDIR_HI(n) (0x11u + 2u * (n))
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)
#define ISA_IRQS 16

struct ioapic {
    u64 base;
    u32 id, gsi_base, inputs;
};

static struct ioapic chips[IOAPIC_MAX];
static u32 chip_count;
struct isa_override {
    bool set;
    u32 gsi;
    u16 flags;
};
static struct isa_override isa_override[ISA_IRQS];

static u32 rd(const struct ioapic *c, u32 reg)
{
    *(volatile u32 *)(uintptr_t)(c->base + IOREGSEL) = reg;
    return *(volatile u32 *)(uintptr_t)(c->base + IOWIN);
}

static void wr(const struct ioapic *c, u32 reg, u32 v)
{
    *(volatile u32 *)(uintptr_t)(c->base + IOREGSEL) = reg;
    *(volatile u32 *)(uintptr_t)(c->base + IOWIN) = v;
}

bool ioapic_add(u32 id, u64 base, u32 gsi_base)
{
    if (chip_count == IOAPIC_MAX)
        return false;
    chips[chip_count++] = (struct ioapic){base, id, gsi_base, 0};
    return true;
}

void ioapic_set_isa_override(u8 isa, u32 gsi, u16 flags)
{
    if (isa < ISA_IRQS)
        isa_override[isa] = (struct isa_override){true, gsi, flags};
}

u32 ioapic_isa_gsi(u8 isa, bool *level, bool *active_low)
{
    *level = *active_low = false; /* ISA: edge, active high, unless overridden */
    if (isa >= ISA_IRQS || !isa_override[isa].set)
        return isa;
    u16 f = isa_override[isa].flags;
    *active_low = (f & 3u) == 3u;
    *level = ((f >> 2) & 3u) == 3u;
    return isa_override[isa].gsi;
}

static struct ioapic *chip_of(u32 gsi, u32 *pin)
{
    for (u32 i = 0; i < chip_count; i++)
        if (gsi >= chips[i].gsi_base && gsi - chips[i].gsi_base < chips[i].inputs) {
            *pin = gsi - chips[i].gsi_base;
            return &chips[i];
        }
    return NULL;
}

int ioapic_init(void)
{
    if (!chip_count)
        return -1;
    for (u32 i = 0; i < chip_count; i++) {
        struct ioapic *c = &chips[i];
        c->inputs = ((rd(c, REG_VERSION) >> 16) & 0xff) + 1;
        for (u32 pin = 0; pin < c->inputs; pin++) {
            wr(c, REDIR_LO(pin), REDIR_MASKED);
            wr(c, REDIR_HI(pin), 0);
        }
        /* The machine's interrupt routing: never a VM's to map (its own is a virtual one). */
        dev_claim(c->base, 0x1000, DEVCLAIM_HYPERVISOR, "I/O APIC", NULL);
        pr_debug("ioapic: id %u at %#llx, GSIs %u-%u", c->id, (unsigned long long)c->base, c->gsi_base,
                 c->gsi_base + c->inputs - 1);
    }
    return 0;
}

u32 ioapic_gsi_count(void)
{
    u32 n = 0;
    for (u32 i = 0; i < chip_count; i++)
        n = MAX(n, chips[i].gsi_base + chips[i].inputs);
    return n;
}

bool ioapic_has_gsi(u32 gsi)
{
    u32 pin;
    return chip_of(gsi, &pin) != NULL;
}

void ioapic_route(u32 gsi, u8 vector, u32 dest_apic_id, bool level, bool active_low, bool masked)
{
    u32 pin;
    struct ioapic *c = chip_of(gsi, &pin);
    if (!c)
        return;
    wr(c, REDIR_LO(pin), REDIR_MASKED);
    wr(c, REDIR_HI(pin), dest_apic_id << 24);
    wr(c, REDIR_LO(pin), vector | (level ? REDIR_LEVEL : 0) | (active_low ? REDIR_ACTIVE_LOW : 0) |
                             (masked ? REDIR_MASKED : 0));
}

void ioapic_mask(u32 gsi, bool masked)
{
    u32 pin;
    struct ioapic *c = chip_of(gsi, &pin);
    if (c) {
        u32 lo = rd(c, REDIR_LO(pin));
        wr(c, REDIR_LO(pin), masked ? lo | REDIR_MASKED : lo & ~REDIR_MASKED);
    }
}

void ioapic_set_dest(u32 gsi, u32 dest_apic_id)
{
    u32 pin;
    struct ioapic *c = chip_of(gsi, &pin);
    if (c)
        wr(c, REDIR_HI(pin), dest_apic_id << 24);
}
