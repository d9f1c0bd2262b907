/* The hypervisor application: reads the VM configs, creates the VMs, runs them on every pCPU,
 * and powers the machine off when the last VM has ended. */
#include <arch/cpu.h>
#include <base/app.h>
#include <base/arch_hooks.h>
#include <base/boot.h>
#include <base/console.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/platform.h>
#include <hv/arch.h>
#include <hv/image.h>
#include <hv/sched.h>
#include <hv/shell.h>
#include <hv/vconsole.h>
#include <hv/vmfs.h>
#include <hv/vm.h>
#include <hv/vm_lifecycle.h>
#include <hv/vm_seed.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define CVISOR_VERSION "0.1.0"

static volatile bool hv_ready;

static void banner(void)
{
    struct mem_range r[8];
    size_t n = mm_ram_ranges(r, 8);
    u64 ram = 0;
    for (size_t i = 0; i < n; i++)
        ram += r[i].size;
    console_puts("\ncvisor " CVISOR_VERSION " - a type-1 hypervisor on a small unikernel\n");
    pr_info("cvisor %s: arch %s, platform %s, %u pCPUs, %llu MiB RAM, log level %s", CVISOR_VERSION,
            arch_name(), platform_name, cpu_count(), (unsigned long long)(ram >> 20),
            log_level_name(log_level_current));
}

/* The wake-up IPI only has to bring a CPU out of WFI; the run loop looks at why. */
static void wakeup_ipi(u32 intid, void *arg) { (void)intid, (void)arg; }

void app_main(void)
{
    banner();
    hv_arch_cpu_init();
    vmfs_mount(); /* APP_FEATURES=fs: configs and images from the disk */
    irq_set_handler(IRQ_IPI_WAKEUP, wakeup_ipi, NULL);
    irq_enable(IRQ_IPI_WAKEUP);

    vm_seed_init(); /* before the first VM's device tree */
    u32 alive = vm_lifecycle_create_all();
    vconsole_input_init();
    if (alive == 0) {
        pr_err("no VM could be started (the errors above say why)");
        pr_info("cvisor: no VM could be started; powering off with a failure status");
        platform_poweroff_failure(); /* QEMU exits non-zero, so `make run` and scripts see it */
    }
    /* Before any VM runs, the LAZY pages not known zero are zeroed (vm_mem.c): nothing else
     * would run now, and later only an idle pCPU does this, which it may not be before the
     * guest's first touches. */
    for (u32 i = 0; i < VM_MAX; i++)
        while (vm_table[i] && vm_mem_prezero_step(vm_table[i]))
            ;
    for (u32 i = 0; i < VM_MAX; i++)
        if (vm_table[i])
            vm_start(vm_table[i]);
    __atomic_store_n(&hv_ready, true, __ATOMIC_RELEASE);
    for (u32 c = 1; c < cpu_count(); c++)
        if (percpu_data[c].online)
            irq_send_ipi(c, IRQ_IPI_WAKEUP);
    sched_loop();
}

void app_secondary_main(u32 cpu)
{
    (void)cpu;
    hv_arch_cpu_init();
    irq_enable(IRQ_IPI_WAKEUP);
    while (!__atomic_load_n(&hv_ready, __ATOMIC_ACQUIRE)) {
        arch_wait_for_interrupt();
        local_irq_enable();
        local_irq_disable();
    }
    sched_loop();
}
