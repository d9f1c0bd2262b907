/* x86_64 hostile test guest: triple-faults on purpose. With an empty IDT, an invalid opcode
 * (#UD) cannot be delivered (#GP), nor can that (#DF), and the CPU shuts down: cvisor must end
 * this VM alone, with a report, while the hypervisor and the other VMs go on.
 * Built with TRIPLE_FRAME_ON_DEVICE (faultstack): the #UD has a gate, but the stack it is pushed
 * on is at 0xfee00800, where this VM has no memory (no local APIC either): the nested page fault
 * comes while the CPU delivers the exception, and is none of the instruction at RIP's. cvisor
 * must end the VM saying so, neither emulating the UD2 nor the exception's delivery. */
#include "guest.h"

#ifdef TRIPLE_FRAME_ON_DEVICE
__asm__(".text\n.global isr_never\nisr_never:\nhlt\njmp isr_never\n");
extern char isr_never[];
static u64 idt[7 * 2] __attribute__((aligned(16)));
#endif

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
#ifdef TRIPLE_FRAME_ON_DEVICE
    u64 a = (u64)(unsigned long)isr_never;
    idt[6 * 2] = (a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((a >> 16) & 0xffff) << 48;
    idt[6 * 2 + 1] = a >> 32;
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } idtr = {sizeof(idt) - 1, (u64)(unsigned long)idt};
    gprintf("faultstack: the stack at 0xfee00800 (no memory there) and ud2\n");
    __asm__ volatile("lidt %0; mov $0xfee00800, %%rsp; ud2" ::"m"(idtr));
    gprintf("faultstack: UNREACHABLE after ud2\n");
#else
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } idt = {0, 0};
    gprintf("triple: loading an empty IDT and executing ud2\n");
    __asm__ volatile("lidt %0; ud2" ::"m"(idt));
    gprintf("triple: UNREACHABLE after the triple fault\n");
#endif
    guest_system_off();
}
