/* Starts vCPU 1 through the firmware (PSCI CPU_ON on aarch64, SBI HSM hart_start on riscv64),
 * meets it through shared memory, checks its status and the errors of starting it again and of
 * starting a vCPU the VM does not have, lets it turn itself off, then powers the VM off. */
#include "guest.h"

/* Checks of the architecture's own (guests/smp/<arch>.c), while vCPU 1 runs: on vCPU 0 before
 * it releases vCPU 1, on vCPU 1 after. */
void smp_arch_primary(void);
void smp_arch_secondary(void);

static volatile u64 arrived_context;
static volatile u64 release;

void guest_secondary_main(u64 vcpu)
{
    gprintf("smp: vcpu%ld up, context id %llu\n", hypercall(HC_VCPU_ID, 0, 0), (unsigned long long)vcpu);
    arrived_context = vcpu + 100;
    while (!release)
        ;
    smp_arch_secondary();
    gprintf("smp: vcpu1 turning itself off\n");
    guest_cpu_off();
}

static bool wait_for(volatile u64 *flag, u64 ms)
{
    u64 end = guest_counter() + guest_counter_freq() * ms / 1000;
    while (!*flag)
        if (guest_counter() > end)
            return false;
    return true;
}

void guest_main(u64 dtb)
{
    (void)dtb;
    gprintf("smp: vcpu0 starting vcpu1\n");
    long r = guest_cpu_on(1, 1);
    if (r != 0) {
        gprintf("smp: FAIL CPU_ON returned %ld\n", r);
        guest_system_off();
    }
    if (!wait_for(&arrived_context, 5000) || arrived_context != 101) {
        gprintf("smp: FAIL vcpu1 did not arrive\n");
        guest_system_off();
    }
    gprintf("smp: met vcpu1 (context %llu)\n", (unsigned long long)(arrived_context - 100));
    gprintf("smp: " GUEST_CPU_STATUS_NAME "(1) = %ld, " GUEST_CPU_ON_NAME " again = %ld, " GUEST_CPU_ON_NAME
            " of vcpu 7 = %ld\n",
            guest_cpu_status(1), guest_cpu_on(1, 1), guest_cpu_on(7, 7));
    smp_arch_primary();
    release = 1;
    u64 end = guest_counter() + guest_counter_freq() * 5;
    while (guest_cpu_status(1) != GUEST_CPU_STATUS_OFF && guest_counter() < end)
        ;
    gprintf("smp: vcpu1 is %s\n", guest_cpu_status(1) == GUEST_CPU_STATUS_OFF ? "off" : "STILL ON");
    guest_system_off();
}
