/* Boot sequence of the unikernel base, common to all architectures. */
#include <arch/cpu.h>
#include <base/app.h>
#include <base/arch_hooks.h>
#include <base/boot.h>
#include <base/console.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/machine.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/platform.h>
#include <base/smp.h>
#include <base/timer.h>

extern char __image_start[], __image_end[];

struct boot_info boot_info;

#define DTB_MAX_SIZE MiB(2)

/* The described CPUs in their order, the boot CPU first as logical CPU 0. */
static void find_cpus(const struct machine *m)
{
    u64 boot = arch_boot_cpu_hwid();
    u32 n = 1;
    percpu_data[0].hwid = boot;
    for (u32 i = 0; i < m->cpu_count; i++) {
        if (m->cpu_hwid[i] == boot)
            continue;
        if (n == MAX_CPUS) {
            pr_warn("boot: more than %u CPUs described; the rest stay off", MAX_CPUS);
            break;
        }
        percpu_data[n].id = n;
        percpu_data[n].hwid = m->cpu_hwid[i];
        n++;
    }
    percpu_set_count(n);
}

/* This CPU's interrupts and timer (every CPU). */
static void cpu_irq_init(u32 cpu)
{
    if (irq_cpu_init() != 0)
        panic("boot: cpu%u: interrupt controller CPU interface initialisation failed", cpu);
    timer_cpu_init();
    smp_cpu_init();
}

/* Disks are probed (and so kept by the base) only when an application asks: one that uses none
 * leaves them free, for a VM to be given by passthrough. */
void base_probe_disks(void)
{
    static bool probed;
    if (!probed) {
        probed = true;
        platform_probe_disks(boot_info.machine->fdt);
    }
}

void base_early_init(void)
{
    log_init();
    percpu_set_count(1);
    percpu_data[0].id = 0;
    console_init_early();
}

void base_primary_main(u64 dtb_pa)
{
    static struct machine machine;
    base_early_init();

    struct fdt *fdt = &boot_info.fdt;
    boot_info.dtb_pa = dtb_pa;
    boot_info.dtb_size = dtb_pa ? fdt_total_size((const void *)(uintptr_t)dtb_pa) : 0;
    if (!dtb_pa || fdt_open(fdt, (const void *)(uintptr_t)dtb_pa, DTB_MAX_SIZE) != 0)
        panic("boot: no valid device tree at %#llx", (unsigned long long)dtb_pa);
    machine_from_fdt(&machine, fdt, dtb_pa, boot_info.dtb_size);
    base_primary_boot(&machine);
}

void base_primary_boot(const struct machine *m)
{
    const struct fdt *fdt = m->fdt; /* NULL on a machine without a DTB: the hooks know */
    boot_info.machine = m;
    boot_info.image_start = (u64)(uintptr_t)__image_start;
    boot_info.image_end = (u64)(uintptr_t)__image_end;
    find_cpus(m);
    mm_init(m, boot_info.image_start, boot_info.image_end);
    struct console_info con;
    if (fdt)
        console_init_dtb(fdt, &con);
    else
        console_init_described(m->console_irq, &con);
    boot_info.uart_base = con.base;
    boot_info.uart_intid = con.irq;
    if (arch_boot_init(fdt) != 0)
        panic("boot: architecture initialisation failed");
    if (irq_controller_init(fdt) != 0)
        panic("boot: interrupt controller initialisation failed");
    cpu_irq_init(0);
    percpu_data[0].online = true;
    smp_start_secondaries();
    platform_init_devices(fdt);
    /* The board's disks are probed when the application asks (base_probe_disks). */

    app_main();
    platform_poweroff();
}

void base_secondary_main(u32 cpu)
{
    arch_secondary_init();
    cpu_irq_init(cpu);
    __atomic_store_n(&percpu_data[cpu].online, true, __ATOMIC_RELEASE);
    app_secondary_main(cpu);
    arch_cpu_halt();
}
