/* Prints through the console hypercall and through its PL011 (the config passes the host console's
 * address, where the hypervisor, which keeps that UART, gives it an emulated PL011), checks a few
 * hypercalls and PSCI answers, then powers its VM off. */
#include "guest.h"

void guest_main(u64 dtb)
{
    long id = hypercall(HC_VM_ID, 0, 0);
    gprintf("hello: running in vm%ld on vcpu%ld, x0=%#llx\n", id, hypercall(HC_VCPU_ID, 0, 0),
            (unsigned long long)dtb);
    uart_printf("hello: vm%ld writes straight to its PL011\n", id);
    long ver = psci(PSCI_VERSION_FID, 0, 0, 0);
    gprintf("hello: PSCI version %ld.%ld, SYSTEM_OFF feature %ld, unknown hypercall -> %ld\n", ver >> 16,
            ver & 0xffff, psci(PSCI_FEATURES_FID, PSCI_SYSTEM_OFF_FID, 0, 0), hypercall(999, 0, 0));
    gprintf("hello: counter runs at %llu Hz\n", (unsigned long long)guest_counter_freq());
    gprintf("hello: powering off\n");
    guest_system_off();
}
