/* The virtual 8254 PIT of a VM (ports 0x40-0x43) and the PC's port 0x61 (channel 2's gate and
 * output): what Linux uses to calibrate the TSC (channel 2, gate and OUT2 through port 0x61) and
 * the local APIC timer (channel 0's periodic IRQ 0), and its early clock event. Counters run
 * from the host's counter (no exit while nothing reads them); channel 0 raises IRQ 0 at its
 * terminal counts, polled like the virtual local APIC's timer. Pure logic: host ticks in, the
 * number of IRQ 0 edges out (host-tested). */
#ifndef ARCH_VPIT_H
#define ARCH_VPIT_H

#include <lib/types.h>

#define VPIT_HZ 1193182u
#define VPIT_PORT 0x40u  /* 0x40-0x43 */
#define VPIT_PORT_61 0x61u
#define VPIT_IRQ 0u      /* ISA IRQ 0: GSI 2 through the MADT's override */
/* A periodic channel 0 fires at most every 100 us (its count at least 120): a guest asking for
 * a 1-count period would keep its pCPU in the timer path. */
#define VPIT_MIN_PERIOD 120u
#define VPIT_CATCHUP_GAP 120u  /* ~100 us */
#define VPIT_MAX_BACKLOG 250u  /* ~1 s of a 250 Hz tick */

struct vpit_channel {
    u8 mode;        /* 0-5 */
    u8 access;      /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool write_msb; /* the next write of an LSB/MSB pair is the MSB */
    bool read_msb;  /* ... the next read */
    bool latched;
    bool counting;  /* a count was loaded (and, channel 2, the gate is high) */
    bool out_fired; /* mode 0/1/4/5: the terminal count was reached (and, channel 0, its IRQ raised) */
    u8 lsb;         /* the LSB written, waiting for the MSB */
    u16 latch;
    u32 reload;     /* 1 .. 65536 (a written 0 means 65536) */
    u64 start;      /* host ticks when counting began */
    u64 fired;      /* channel 0, periodic modes: terminal counts reached */
    u64 backlog;    /* ... not raised yet (the vCPU did not run then) */
    u64 last_edge;  /* host time of the last IRQ 0 edge */
};

struct vpit {
    u64 host_hz;    /* the host counter's frequency (below 2^32) */
    struct vpit_channel ch[3];
    bool gate2;     /* port 0x61 bit 0 */
    bool speaker;   /* port 0x61 bit 1 */
    bool refresh;   /* port 0x61 bit 4, toggling on every read */
};

void vpit_init(struct vpit *p, u64 host_hz);
/* Port I/O (port 0x40-0x43 or 0x61, byte access), at host time now. A write returns true when
 * channel 0's next IRQ moved (the caller re-arms its timer). */
u8 vpit_read(struct vpit *p, u16 port, u64 now);
bool vpit_write(struct vpit *p, u16 port, u8 value, u64 now);
/* Channel 0 at host time now: whether an IRQ 0 edge is due (1) or not (0), and *next = the host
 * time of the next one (0: none). Periods that passed while the VM's vCPU 0 did not run are
 * raised later, one at least every VPIT_CATCHUP_GAP PIT clocks, up to VPIT_MAX_BACKLOG (as KVM's
 * PIT reinjects them): an OS counting its ticks (Linux's jiffies while the PIT is its tick, its
 * check that IRQ 0 works) does not lose time to the host's scheduling. */
u32 vpit_poll(struct vpit *p, u64 now, u64 *next);

#endif
