/* An application of the base that faults on purpose in the hypervisor: shows (and lets a test
 * check) the base's fatal exception report, and that the machine powers off afterwards. */
#include <base/app.h>
#include <base/log.h>

#define UNMAPPED_ADDRESS 0x7f00000000ull /* inside every port's VA space, mapped by nothing */

void app_secondary_main(u32 cpu) { (void)cpu; }

void app_main(void)
{
    pr_info("fault-demo: reading unmapped %#llx in the hypervisor", UNMAPPED_ADDRESS);
    u64 v = *(volatile u64 *)(uintptr_t)UNMAPPED_ADDRESS;
    pr_info("fault-demo: UNREACHABLE, read %#llx", (unsigned long long)v);
}
