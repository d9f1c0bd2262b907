/* The 8259 pair (<arch/vpic.h>). Facts: the Intel 8259A datasheet (ICW1-4, OCW1-3) and the PC's
 * ELCR (edge/level control, with IRQ 0, 1, 2, 8 and 13 always edge). */
#include <arch/vpic.h>
#include <lib/string.h>

#define ICW1 0x10
#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define OCW3 0x08
#define OCW3_RR 0x02
#define OCW3_RIS 0x01

void vpic_init(struct vpic *p)
{
    memset(p, 0, sizeof(*p));
    p->chip[0].imr = p->chip[1].imr = 0xff;
}

u8 vpic_read(struct vpic *p, u32 chip, u32 port)
{
    struct vpic_chip *c = &p->chip[chip & 1];
    return port ? c->imr : 0; /* no line ever pends here: IRR and ISR are 0 */
}

void vpic_write(struct vpic *p, u32 chip, u32 port, u8 v)
{
    struct vpic_chip *c = &p->chip[chip & 1];
    if (!port) {
        if (v & ICW1) { /* initialisation: mask cleared, ICW2 (and ICW3, ICW4) follow */
            c->icw_step = 1;
            c->single = v & ICW1_SNGL;
            c->need_icw4 = v & ICW1_IC4;
            c->imr = 0;
            c->read_isr = false;
        } else if (v & OCW3) {
            if (v & OCW3_RR)
                c->read_isr = v & OCW3_RIS;
        } /* OCW2 (EOIs, rotation): nothing is ever in service */
        return;
    }
    switch (c->icw_step) {
    case 1:
        c->vector = v & 0xf8;
        c->icw_step = !c->single ? 2 : c->need_icw4 ? 3 : 0;
        break;
    case 2:
        c->icw_step = c->need_icw4 ? 3 : 0;
        break;
    case 3:
        c->icw_step = 0;
        break;
    default:
        c->imr = v;
        break;
    }
}

u8 vpic_elcr_read(struct vpic *p, u32 chip) { return p->chip[chip & 1].elcr; }

void vpic_elcr_write(struct vpic *p, u32 chip, u8 v)
{
    /* IRQ 0, 1, 2 (master) and 8, 13 (slave) are edge-only. */
    p->chip[chip & 1].elcr = v & (chip & 1 ? 0xde : 0xf8);
}
