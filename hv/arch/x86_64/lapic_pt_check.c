/* What a local-APIC passthrough guest's APIC writes may do (<arch/lapic_pt.h>). xAPIC register
 * offsets and fields: AMD64 APM vol. 2, 16.3-16.5. */
#include <arch/lapic_pt.h>

#define REG_ID 0x20
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_LDR 0xd0
#define REG_DFR 0xe0
#define REG_SVR 0xf0
#define REG_ESR 0x280
#define REG_LVT_CMCI 0x2f0
#define REG_ICR_LOW 0x300
#define REG_ICR_HIGH 0x310
#define REG_LVT_FIRST 0x320 /* timer, thermal, performance, LINT0, LINT1, error */
#define REG_LVT_LAST 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_DIVIDE 0x3e0

#define VECTOR(v) ((v) & 0xffu)
#define DELIVERY_MODE(v) (((v) >> 8) & 7u)
#define DEST_LOGICAL (1u << 11)
#define SHORTHAND(v) (((v) >> 18) & 3u)
#define SHORTHAND_SELF 1u
#define LVT_MASKED (1u << 16)
#define FIRST_FREE_VECTOR 32 /* 0-31 are exceptions: a host handler would take them as faults */

static enum lapic_pt_action refuse(const char **why, const char *what)
{
    *why = what;
    return LAPIC_PT_REFUSE;
}

static enum lapic_pt_action lvt(u32 value, const char **why)
{
    if (value & LVT_MASKED)
        return LAPIC_PT_WRITE; /* masked: nothing is delivered until a checked unmasking write */
    if (DELIVERY_MODE(value) != 0)
        return refuse(why, "an LVT entry with other than fixed delivery (SMI, NMI, INIT, ExtINT)");
    if (VECTOR(value) < FIRST_FREE_VECTOR)
        return refuse(why, "an LVT vector below 32");
    return LAPIC_PT_WRITE;
}

static enum lapic_pt_action icr(u32 value, u32 icr_high, u32 own_id, const char **why)
{
    if (DELIVERY_MODE(value) != 0)
        return refuse(why, "an IPI with other than fixed delivery (INIT, startup, NMI, SMI, lowest priority)");
    if (VECTOR(value) < FIRST_FREE_VECTOR)
        return refuse(why, "an IPI vector below 32");
    if (SHORTHAND(value) == SHORTHAND_SELF)
        return LAPIC_PT_SEND_IPI;
    if (SHORTHAND(value) != 0)
        return refuse(why, "an IPI to all CPUs (broadcast shorthand): the others are not the VM's");
    if ((value & DEST_LOGICAL) || (icr_high >> 24) != own_id)
        return refuse(why, "an IPI to another CPU than the VM's own");
    return LAPIC_PT_SEND_IPI;
}

u32 lapic_pt_min_periodic_count(u32 divide_reg, u64 apic_hz)
{
    u32 code = ((divide_reg & 8u) >> 1) | (divide_reg & 3u); /* bits 3, 1, 0 */
    u64 divisor = code == 7 ? 1 : 2ull << code;
    u64 ticks = apic_hz / divisor * LAPIC_PT_MIN_PERIOD_US / 1000000;
    return (u32)(ticks ? (ticks > 0xffffffffull ? 0xffffffffull : ticks) : 1);
}

enum lapic_pt_action lapic_pt_check(u32 off, u32 value, u32 icr_high, u32 own_id, const char **why)
{
    *why = NULL;
    switch (off) {
    case REG_TPR:
    case REG_EOI:
    case REG_LDR:
    case REG_DFR:
    case REG_ESR:
    case REG_TIMER_INIT:
    case REG_TIMER_DIVIDE:
        return LAPIC_PT_WRITE;
    case REG_SVR:
        return VECTOR(value) < FIRST_FREE_VECTOR ? refuse(why, "a spurious vector below 32") : LAPIC_PT_WRITE;
    case REG_ICR_HIGH:
        return LAPIC_PT_ICR_HIGH;
    case REG_ICR_LOW:
        return icr(value, icr_high, own_id, why);
    case REG_LVT_CMCI:
        return lvt(value, why);
    default:
        if (off >= REG_LVT_FIRST && off <= REG_LVT_LAST && off % 16 == 0)
            return lvt(value, why);
        return LAPIC_PT_IGNORE; /* ID (kept: the host addresses CPUs by it), version, ISR/TMR/IRR, counts */
    }
}
