/* The CMOS RTC of a VM (index port 0x70, data port 0x71): the date and time read-only (24-hour,
 * BCD, from the host's clock at the VM's start plus the time since), status registers A-D as an
 * idle MC146818 shows them (no update in progress, time valid), and the rest of the 128 bytes of
 * CMOS memory as plain storage (Linux writes the shutdown code at 0x0F before starting a CPU).
 * No alarm, periodic or update interrupts. Pure logic (host-tested). */
#ifndef ARCH_VCMOS_H
#define ARCH_VCMOS_H

#include <lib/types.h>

#define VCMOS_PORT 0x70u /* 0x70 index, 0x71 data */
#define VCMOS_CENTURY 0x32u

struct vcmos {
    u8 index;
    u8 ram[128];
    u64 epoch;    /* seconds since 1970-01-01 00:00 UTC at host time start */
    u64 start;    /* host ticks */
    u64 host_hz;
};

void vcmos_init(struct vcmos *c, u64 epoch, u64 now, u64 host_hz);
u8 vcmos_read(struct vcmos *c, u32 port, u64 now);
void vcmos_write(struct vcmos *c, u32 port, u8 value);
/* Seconds since 1970 of a date and time (year 1970..9999): for the host's clock. */
u64 vcmos_epoch(u32 year, u32 month, u32 day, u32 hour, u32 min, u32 sec);

#endif
