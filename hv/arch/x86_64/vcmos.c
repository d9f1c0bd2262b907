/* The CMOS RTC (<arch/vcmos.h>). Facts: the MC146818 datasheet (registers 0-9, A-D) and the
 * PC's century byte at 0x32 (named by the FADT). Civil-date arithmetic after H. Hinnant's
 * days_from_civil / civil_from_days. */
#include <arch/vcmos.h>
#include <lib/string.h>

#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_A_VALUE 0x26 /* 32.768 kHz time base, 1024 Hz rate; UIP clear */
#define REG_B_VALUE 0x02 /* 24-hour, BCD, no interrupts, no update inhibit */
#define REG_D_VRT 0x80   /* valid RAM and time */

static u8 bcd(u32 v) { return (u8)(((v / 10) % 10) << 4 | (v % 10)); }

u64 vcmos_epoch(u32 y, u32 m, u32 d, u32 hh, u32 mm, u32 ss)
{
    s64 yy = (s64)y - (m <= 2);
    s64 era = yy / 400;
    s64 yoe = yy - era * 400;
    s64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    s64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    s64 days = era * 146097 + doe - 719468;
    return days < 0 ? 0 : (u64)days * 86400 + hh * 3600u + mm * 60u + ss;
}

void vcmos_init(struct vcmos *c, u64 epoch, u64 now, u64 host_hz)
{
    memset(c, 0, sizeof(*c));
    c->epoch = epoch;
    c->start = now;
    c->host_hz = host_hz ? host_hz : 1;
}

static u8 time_reg(const struct vcmos *c, u8 reg, u64 now)
{
    u64 t = c->epoch + (now > c->start ? (now - c->start) / c->host_hz : 0);
    u64 days = t / 86400, secs = t % 86400;
    switch (reg) {
    case 0: return bcd((u32)(secs % 60));
    case 2: return bcd((u32)(secs / 60 % 60));
    case 4: return bcd((u32)(secs / 3600));
    case 6: return bcd((u32)((days + 4) % 7 + 1)); /* 1970-01-01 was a Thursday; Sunday is 1 */
    default: break;
    }
    s64 z = (s64)days + 719468;
    s64 era = z / 146097;
    s64 doe = z - era * 146097;
    s64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    s64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    s64 mp = (5 * doy + 2) / 153;
    u32 day = (u32)(doy - (153 * mp + 2) / 5 + 1);
    u32 month = (u32)(mp < 10 ? mp + 3 : mp - 9);
    u32 year = (u32)(yoe + era * 400 + (month <= 2));
    switch (reg) {
    case 7: return bcd(day);
    case 8: return bcd(month);
    case 9: return bcd(year % 100);
    default: return bcd(year / 100); /* VCMOS_CENTURY */
    }
}

u8 vcmos_read(struct vcmos *c, u32 port, u64 now)
{
    if (port == 0)
        return 0xff; /* the index port is write-only */
    u8 r = c->index;
    switch (r) {
    case 0: case 2: case 4: case 6: case 7: case 8: case 9: case VCMOS_CENTURY:
        return time_reg(c, r, now);
    case 1: case 3: case 5: return 0; /* alarms */
    case REG_A: return REG_A_VALUE;
    case REG_B: return REG_B_VALUE;
    case REG_C: return 0;             /* no interrupt flags */
    case REG_D: return REG_D_VRT;
    default: return c->ram[r];
    }
}

void vcmos_write(struct vcmos *c, u32 port, u8 v)
{
    if (port == 0) {
        c->index = v & 0x7f; /* bit 7: the NMI mask, which a VM has no NMI source for */
        return;
    }
    u8 r = c->index;
    if (r > REG_D && r != VCMOS_CENTURY)
        c->ram[r] = v; /* the clock and its status are read-only */
}
