/* hello's aarch64 checks: its PL011 (the config passes the host console's address, where the
 * hypervisor, which keeps that UART, gives it an emulated PL011) and PSCI's answers. */
#include "guest.h"

void hello_arch(long id, u64 boot_arg);

void hello_arch(long id, u64 boot_arg)
{
    (void)boot_arg;
    uart_printf("hello: vm%ld writes straight to its PL011\n", id);
    long ver = psci(PSCI_VERSION_FID, 0, 0, 0);
    gprintf("hello: PSCI version %ld.%ld, SYSTEM_OFF feature %ld, unknown hypercall -> %ld\n", ver >> 16,
            ver & 0xffff, psci(PSCI_FEATURES_FID, PSCI_SYSTEM_OFF_FID, 0, 0), hypercall(999, 0, 0));
}
