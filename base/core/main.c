/* Boot sequence of the unikernel base, common to all architectures. */
#include <arch/cpu.h>
#include <base/app.h>
#include <base/arch_hooks.h>
#include <base/boot.h>
#include <base/console.h>
#include <base/devclaim.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/platform.h>
#include <base/timer.h>
#include <drivers/pl011.h>
#include <lib/string.h>

extern char __image_start[], __image_end[];
void mm_init(const struct fdt *fdt, u64 image_start, u64 image_end, u64 dtb, u64 dtb_size);
void percpu_set_count(u32 n);

struct boot_info boot_info;
static struct pl011 uart;
static const struct console_ops uart_console = {pl011_putc, pl011_getc, pl011_enable_rx_irq, &uart};

#define DTB_MAX_SIZE MiB(2)

/* CPUs in DTB order, the boot CPU first as logical CPU 0. */
static void find_cpus(const struct fdt *fdt)
{
    u64 boot = arch_boot_cpu_hwid();
    u32 n = 1;
    percpu_data[0].hwid = boot;
    int cpus = fdt_path_lookup(fdt, "/cpus");
    for (int c = cpus >= 0 ? fdt_first_child(fdt, cpus) : -1; c >= 0; c = fdt_next_sibling(fdt, c)) {
        size_t len;
        const char *type = fdt_prop(fdt, c, "device_type", &len);
        u64 hwid;
        if (!type || strcmp(type, "cpu") != 0 || !fdt_reg(fdt, c, 0, &hwid, NULL) || hwid == boot)
            continue;
        if (n == MAX_CPUS) {
            pr_warn("boot: more than %u CPUs in the DTB; the rest stay off", MAX_CPUS);
            break;
        }
        percpu_data[n].id = n;
        percpu_data[n].hwid = hwid;
        n++;
    }
    percpu_set_count(n);
}

static void use_dtb_console(const struct fdt *fdt)
{
    int node = fdt_find_compatible(fdt, -1, "arm,pl011");
    u64 base;
    if (node >= 0 && fdt_reg(fdt, node, 0, &base, NULL) && base != uart.base)
        pl011_init(&uart, base);
    boot_info.uart_base = uart.base;
    dev_claim(uart.base, 0x1000, DEVCLAIM_HYPERVISOR, "hypervisor console UART", NULL);
    /* interrupts = <type number flags>: type 0 is an SPI (INTID = 32 + number). */
    size_t len;
    const u8 *irq = node >= 0 ? fdt_prop(fdt, node, "interrupts", &len) : NULL;
    if (irq && len >= 8 && irq[3] == 0)
        boot_info.uart_intid = 32 + ((u32)irq[4] << 24 | (u32)irq[5] << 16 | (u32)irq[6] << 8 | irq[7]);
}

static void start_secondaries(void)
{
    for (u32 c = 1; c < cpu_count(); c++) {
        int r = smp_start_cpu(c);
        if (r != 0) {
            pr_warn("boot: cpu%u (hwid %#llx) did not start: firmware error %d", c,
                    (unsigned long long)cpu_hwid(c), r);
            continue;
        }
        u64 deadline = timer_ticks() + timer_freq(); /* 1 s */
        while (!__atomic_load_n(&percpu_data[c].online, __ATOMIC_ACQUIRE) && timer_ticks() < deadline)
            arch_cpu_relax();
        if (!percpu_data[c].online)
            pr_warn("boot: cpu%u did not come online", c);
    }
}

void base_primary_main(u64 dtb_pa)
{
    percpu_data[0].id = 0;
    pl011_init(&uart, platform_early_uart_base);
    console_register(&uart_console);

    struct fdt *fdt = &boot_info.fdt;
    boot_info.dtb_pa = dtb_pa;
    boot_info.dtb_size = dtb_pa ? fdt_total_size((const void *)(uintptr_t)dtb_pa) : 0;
    if (!dtb_pa || fdt_open(fdt, (const void *)(uintptr_t)dtb_pa, DTB_MAX_SIZE) != 0)
        panic("boot: no valid device tree at %#llx (x0 at entry)", (unsigned long long)dtb_pa);

    boot_info.image_start = (u64)(uintptr_t)__image_start;
    boot_info.image_end = (u64)(uintptr_t)__image_end;
    find_cpus(fdt);
    mm_init(fdt, boot_info.image_start, boot_info.image_end, dtb_pa, boot_info.dtb_size);
    use_dtb_console(fdt);
    if (arch_boot_init(fdt) != 0)
        panic("boot: interrupt controller or timer initialisation failed");
    percpu_data[0].online = true;
    start_secondaries();

    app_main();
    platform_poweroff();
}

void base_secondary_main(u32 cpu)
{
    arch_secondary_init();
    __atomic_store_n(&percpu_data[cpu].online, true, __ATOMIC_RELEASE);
    app_secondary_main(cpu);
    arch_cpu_halt();
}
