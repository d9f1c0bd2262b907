/* Prints a numbered tick every 100 ms of guest time, then powers off: a VM that keeps running
 * while others come and go. */
#include "guest.h"

void guest_main(u64 dtb)
{
    (void)dtb;
    long id = hypercall(HC_VM_ID, 0, 0);
    for (int i = 1; i <= 20; i++) {
        guest_delay_ms(100);
        gprintf("ticker(vm%ld): tick %d\n", id, i);
    }
    gprintf("ticker(vm%ld): done\n", id);
    guest_system_off();
}
