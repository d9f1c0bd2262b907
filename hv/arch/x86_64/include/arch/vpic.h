/* The 8259 pair of a VM (ports 0x20/0x21 and 0xA0/0xA1, and the ELCR at 0x4D0/0x4D1): a guest
 * programs it (ICW1-ICW4), masks it (OCW1) and reads back what it wrote, as Linux does to find
 * it and then leave it masked. No line goes through it: the ISA interrupts reach the vCPUs through
 * the virtual I/O APIC (the MADT says so), so IRR and ISR read 0. Pure logic (host-tested). */
#ifndef ARCH_VPIC_H
#define ARCH_VPIC_H

#include <lib/types.h>

#define VPIC_MASTER_PORT 0x20u
#define VPIC_SLAVE_PORT 0xa0u
#define VPIC_ELCR_PORT 0x4d0u

struct vpic_chip {
    u8 imr;       /* OCW1: masked lines */
    u8 vector;    /* ICW2: the vector of line 0 */
    u8 icw_step;  /* 0: initialised; 1, 2, 3: waiting for ICW2, ICW3, ICW4 */
    bool single;  /* ICW1: no cascade (no ICW3) */
    bool need_icw4;
    bool read_isr; /* OCW3: the command port reads the ISR, else the IRR */
    u8 elcr;      /* edge/level control */
};

struct vpic {
    struct vpic_chip chip[2];
};

void vpic_init(struct vpic *p);
/* chip 0 (master) or 1 (slave); port 0 command, 1 data. */
u8 vpic_read(struct vpic *p, u32 chip, u32 port);
void vpic_write(struct vpic *p, u32 chip, u32 port, u8 value);
u8 vpic_elcr_read(struct vpic *p, u32 chip);
void vpic_elcr_write(struct vpic *p, u32 chip, u8 value);

#endif
