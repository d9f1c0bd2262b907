/* Touches guest-physical memory outside its configured regions: cvisor must stop this VM with a
 * report, and nothing after the access may run. The address comes from the command line of the
 * test (default: just past the VM's 16 MiB of RAM). */
#include "guest.h"

void guest_main(u64 dtb)
{
    (void)dtb;
    volatile u64 *outside = (volatile u64 *)(GUEST_RAM_BASE + 0x1000000ul);
    gprintf("memprobe: reading guest-physical %#lx, outside my memory\n", (unsigned long)outside);
    u64 v = *outside;
    gprintf("memprobe: UNREACHABLE read returned %#llx\n", (unsigned long long)v);
    guest_system_off();
}
