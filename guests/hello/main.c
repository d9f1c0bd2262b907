/* Prints through the console hypercall, then checks what its architecture's firmware and machine
 * look like from inside the VM (hello_arch, guests/hello/<arch>.c: on aarch64 its PL011 and PSCI,
 * on riscv64 the SBI, the device tree cvisor generated and a timer waking WFI), then powers its
 * VM off. */
#include "guest.h"

void hello_arch(long id, u64 boot_arg);

void guest_main(u64 dtb)
{
    long id = hypercall(HC_VM_ID, 0, 0);
    gprintf("hello: running in vm%ld on vcpu%ld, " GUEST_BOOT_ARG "=%#llx\n", id, hypercall(HC_VCPU_ID, 0, 0),
            (unsigned long long)dtb);
    hello_arch(id, dtb);
    gprintf("hello: counter runs at %llu Hz\n", (unsigned long long)guest_counter_freq());
    gprintf("hello: powering off\n");
    guest_system_off();
}
