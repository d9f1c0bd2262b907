/* The HPET of a VM (interrupt_mode = "emu"), at 0xFED00000 as on a PC and named by the HPET ACPI
 * table: its 64-bit main counter at 10 MHz (enable, halt, set), which Linux takes as a
 * clocksource and as the watchdog of the TSC. Three timers whose registers hold what is written
 * but that cannot interrupt: they offer no I/O APIC route, no FSB delivery and no legacy
 * replacement (so the OS keeps the PIT for IRQ 0 and the local APIC timer for its ticks). Pure
 * logic (host-tested). */
#ifndef ARCH_VHPET_H
#define ARCH_VHPET_H

#include <lib/types.h>

#define VHPET_BASE 0xfed00000ull
#define VHPET_SIZE 0x400u
#define VHPET_TIMERS 3u
#define VHPET_HZ 10000000u        /* 100 ns per count, as QEMU's */
#define VHPET_PERIOD_FS 100000000u
#define VHPET_VENDOR 0x8086u

struct vhpet {
    u64 host_hz;       /* below 2^32 */
    bool enabled;
    u64 counter;       /* the main counter at host time start (while enabled), or its value when halted */
    u64 start;
    u64 timer_cfg[VHPET_TIMERS];
    u64 comparator[VHPET_TIMERS];
    u64 fsb[VHPET_TIMERS];
};

void vhpet_init(struct vhpet *h, u64 host_hz);
/* Its general capabilities and id register's low half (also in the ACPI table). */
u32 vhpet_id(void);
/* Aligned 4- or 8-byte accesses at offset; false for anything else. */
bool vhpet_read(struct vhpet *h, u64 offset, u8 width, u64 now, u64 *value);
bool vhpet_write(struct vhpet *h, u64 offset, u8 width, u64 value, u64 now);

#endif
