/* x86_64 hostile test guest: triple-faults on purpose. With an empty IDT, an invalid opcode
 * (#UD) cannot be delivered (#GP), nor can that (#DF), and the CPU shuts down: cvisor must end
 * this VM alone, with a report, while the hypervisor and the other VMs go on. */
#include "guest.h"

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } idt = {0, 0};
    gprintf("triple: loading an empty IDT and executing ud2\n");
    __asm__ volatile("lidt %0; ud2" ::"m"(idt));
    gprintf("triple: UNREACHABLE after the triple fault\n");
    guest_system_off();
}
