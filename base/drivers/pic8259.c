/* The 8259A pair (master at ports 0x20/0x21, slave at 0xa0/0xa1): initialised (ICW1-4) so that a
 * stray interrupt it might still raise lands on a harmless vector, then fully masked. */
#include <arch/x86.h>
#include <drivers/pic8259.h>

#define MASTER_CMD 0x20
#define MASTER_DATA 0x21
#define SLAVE_CMD 0xa0
#define SLAVE_DATA 0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01

void pic8259_disable(void)
{
    outb(MASTER_CMD, ICW1_INIT_ICW4);
    outb(SLAVE_CMD, ICW1_INIT_ICW4);
    outb(MASTER_DATA, 0x20); /* ICW2: vectors 0x20-0x27 */
    outb(SLAVE_DATA, 0x28);  /* 0x28-0x2f */
    outb(MASTER_DATA, 1u << 2); /* ICW3: slave on input 2 */
    outb(SLAVE_DATA, 2);
    outb(MASTER_DATA, ICW4_8086);
    outb(SLAVE_DATA, ICW4_8086);
    outb(MASTER_DATA, 0xff);
    outb(SLAVE_DATA, 0xff);
}
