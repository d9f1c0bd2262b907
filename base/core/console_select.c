/* Picks the console UART: the board's early console first, then the host DTB's stdout-path
 * node when a built-in driver is compatible with it. */
#include <base/console.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/platform.h>
#include <lib/string.h>

/* The table CONSOLE_DRIVER builds: the linker script (or, on the host, the linker) defines
 * its bounds. */
extern const struct console_driver __start_console_drivers[], __stop_console_drivers[];

static const struct console_driver *driver_for(const char *compatible)
{
    for (const struct console_driver *d = __start_console_drivers; d < __stop_console_drivers; d++)
        if (compatible && d->compatible && strcmp(d->compatible, compatible) == 0)
            return d;
    return NULL;
}

/* The first built-in driver the node is compatible with. */
static const struct console_driver *driver_for_node(const struct fdt *fdt, int node)
{
    for (const struct console_driver *d = __start_console_drivers; d < __stop_console_drivers; d++)
        if (fdt_is_compatible(fdt, node, d->compatible))
            return d;
    return NULL;
}

static const struct console_driver *current;
static u64 current_base;

static bool use(const struct console_driver *d, u64 base)
{
    void *dev = d ? d->probe(base) : NULL;
    if (!dev)
        return false;
    console_use(d, dev);
    current = d;
    current_base = base;
    return true;
}

void console_init_early(void)
{
    use(driver_for(platform_early_console.compatible), platform_early_console.base);
}

/* The node of the UART the early console drives, for its interrupt when /chosen names none. */
static int early_console_node(const struct fdt *fdt)
{
    if (!current)
        return -1;
    for (int n = fdt_find_compatible(fdt, -1, current->compatible); n >= 0;
         n = fdt_find_compatible(fdt, n, current->compatible)) {
        u64 base;
        if (fdt_reg(fdt, n, 0, &base, NULL) && base == current_base)
            return n;
    }
    return -1;
}

void console_init_dtb(const struct fdt *fdt, struct console_info *out)
{
    int node = fdt_stdout_node(fdt);
    const struct console_driver *d = node >= 0 ? driver_for_node(fdt, node) : NULL;
    u64 base = 0;
    bool from_dtb = d && fdt_reg(fdt, node, 0, &base, NULL);
    if (from_dtb && (d != current || base != current_base) && !use(d, base)) {
        pr_warn("console: no %s UART at %#llx (the DTB's stdout-path); keeping the early console",
                d->compatible, (unsigned long long)base);
        from_dtb = false;
    }
    if (!from_dtb)
        node = early_console_node(fdt);
    out->base = current_base;
    out->irq = 0;
    struct fdt_irq irq;
    if (node >= 0 && irq_from_fdt(fdt, node, 0, &irq) && !irq.percpu)
        out->irq = irq.irq;
    if (current) /* one page: what a VM could be given of it */
        dev_claim(current_base, 0x1000, DEVCLAIM_HYPERVISOR, "hypervisor console UART", NULL);
}
