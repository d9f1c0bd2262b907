/* A VM's passed-through devices: explicit [name, gpa, hpa, length, irq] entries, plain
 * address ranges, and devices named by host device-tree path ("/" = all of them) minus
 * excluded_devices. Every range is claimed for the VM (base/devclaim.h), so no two VMs get one
 * device and no VM gets one the hypervisor drives. For the path form, what the hypervisor keeps
 * (its console UART, its disk, the GIC) is left out, and a VM without a console of its own gets
 * an emulated PL011 where the host UART is. Interrupts follow interrupt_mode: forwarded
 * through the vGIC ("emu"), owned in the physical distributor ("passthrough"), or none. */
#include <base/boot.h>
#include <base/devclaim.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/vconsole.h>
#include <hv/virq.h>
#include <hv/vm.h>
#include <lib/fdt_pt.h>
#include <lib/fmt.h>
#include <lib/string.h>

struct pt_walk {
    struct vm *vm;
    struct diag *d;
    int line;
    u32 devices, ranges, irqs, kept, taken;
    int error;
};

/* Stage-2 maps whole pages: a device shares its page with whatever else lies there. */
static void page_span(u64 base, u64 size, u64 *lo, u64 *hi)
{
    *lo = base & ~(u64)(PAGE_SIZE - 1);
    *hi = (base + size + PAGE_SIZE - 1) & ~(u64)(PAGE_SIZE - 1);
}

static int visit(const struct fdt_pt_device *dev, void *arg)
{
    struct pt_walk *w = arg;
    struct vm *vm = w->vm;
    const struct vm_config *c = vm->config;
    /* All of a device or nothing: first check every range. */
    for (u32 i = 0; i < dev->reg_count; i++) {
        u64 lo, hi;
        page_span(dev->reg_base[i], dev->reg_size[i], &lo, &hi);
        const struct dev_claim *held = dev_claim_find(lo, hi - lo);
        if (!held || held->owner == vm)
            continue;
        if (held->owner == DEVCLAIM_HYPERVISOR && dev->reg_base[i] == boot_info.uart_base && !vm->console &&
            c->irq_mode != VM_IRQ_PASSTHROUGH) {
            /* The VM still finds its console UART there: an emulated one. */
            if (vconsole_create(vm, gpa(dev->reg_base[i]), dev->irq_count ? virq_line_of_host_irq(dev->irq[0]) : 0) == 0)
                LOG_AT(LOG_INFO, (long)vm->id, "passthrough: %s is the hypervisor console; the VM gets an emulated "
                       VM_ARCH_CONSOLE_UART_NAME " there",
                       dev->path);
        } else if (held->owner == DEVCLAIM_HYPERVISOR && dev->reg_base[i] == boot_info.uart_base && !vm->console) {
            if (vconsole_create(vm, gpa(dev->reg_base[i]), 0) == 0)
                LOG_AT(LOG_INFO, (long)vm->id,
                       "passthrough: %s is the hypervisor console; the VM gets an emulated " VM_ARCH_CONSOLE_UART_NAME
                       " there (polled: no "
                       "emulated interrupts with interrupt_mode = \"passthrough\")", dev->path);
        } else {
            LOG_AT(LOG_DEBUG, (long)vm->id, "passthrough: %s left out: its page %#llx is held by %s", dev->path,
                   (unsigned long long)lo, held->what);
        }
        if (held->owner == DEVCLAIM_HYPERVISOR)
            w->kept++;
        else
            w->taken++;
        return 0;
    }
    for (u32 i = 0; i < dev->reg_count; i++) {
        u64 lo, hi;
        page_span(dev->reg_base[i], dev->reg_size[i], &lo, &hi);
        char what[32];
        fmt_snprintf(what, sizeof(what), "vm%llu %s", (unsigned long long)vm->id, dev->path);
        if (dev_claim(lo, hi - lo, vm, what, NULL) != 0 ||
            vm_arch_map(vm, gpa(lo), hpa(lo), hi - lo, S2_READ | S2_WRITE | S2_DEVICE) != 0) {
            diag_error(w->d, c->file, w->line, "devices.passthrough_devices", "cannot map %s at %#llx", dev->path,
                       (unsigned long long)lo);
            return -1;
        }
        w->ranges++;
    }
    for (u32 i = 0; i < dev->irq_count; i++) {
        if (c->irq_mode == VM_IRQ_NONE)
            break;
        virq_give_host_irq(vm, dev->irq[i], dev->irq_edge[i]);
        w->irqs++;
    }
    if (vm->pt_node_count < VM_MAX_PT_NODES)
        vm->pt_nodes[vm->pt_node_count++] = dev->node;
    w->devices++;
    return 0;
}

static int pass_by_path(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    const char *include[VM_MAX_PT_DEVICES], *exclude[VM_MAX_EXCLUDED];
    size_t ni = 0, ne = 0;
    int line = 0;
    for (size_t i = 0; i < c->pt_device_count; i++) {
        if (c->pt_devices[i].by_path) {
            include[ni++] = c->pt_devices[i].name;
            if (!line)
                line = c->pt_devices[i].line;
        }
    }
    if (!ni)
        return 0;
    for (size_t i = 0; i < c->excluded_count; i++)
        exclude[ne++] = c->excluded[i];
    struct pt_walk w = {.vm = vm, .d = d, .line = line};
    const char *bad = NULL;
    if (vm_config_check_pt_paths(c, &boot_info.fdt, d) != 0) /* checked with the config already */
        return -1;
    if (fdt_pt_collect(&boot_info.fdt, include, ni, exclude, ne, irq_fdt_xlate, visit, &w, &bad) < 0)
        return -1;
    LOG_AT(LOG_INFO, (long)vm->id,
           "passthrough by path: %u devices (%u ranges, %u interrupts); %u kept by the hypervisor, %u held by other VMs",
           w.devices, w.ranges, w.irqs, w.kept, w.taken);
    return 0;
}

/* The host device-tree node of an explicit entry mapped at its own address, so that a
 * generated device tree describes the device to the guest. */
struct node_search {
    u64 lo, len;
    int node;
};

static int match_node(const struct fdt_pt_device *dev, void *arg)
{
    struct node_search *s = arg;
    if (dev->reg_count && dev->reg_base[0] >= s->lo && dev->reg_base[0] - s->lo < s->len) {
        s->node = dev->node;
        return 1;
    }
    return 0;
}

static void add_host_node(struct vm *vm, const struct vm_passthrough_device *p)
{
    static const char *const all[] = {"/"};
    struct node_search s = {p->base_hpa.val, p->length, -1};
    const char *bad = NULL;
    if (p->base_gpa.val != p->base_hpa.val || vm->pt_node_count == VM_MAX_PT_NODES)
        return; /* the host node's reg would be wrong at another address */
    if (fdt_pt_collect(&boot_info.fdt, all, 1, NULL, 0, irq_fdt_xlate, match_node, &s, &bad) > 0 && s.node >= 0)
        vm->pt_nodes[vm->pt_node_count++] = s.node;
}

/* Claims a host range a config names by address for the VM (validation already refused RAM
 * the host does not reserve and the hypervisor's devices; this holds against everything claimed
 * since, other VMs included). Returns 1 when the range is the hypervisor's console UART's page,
 * for which the VM gets an emulated PL011 at gpa instead; 0 when the range may be mapped; -1
 * after reporting why not. */
static int claim_range(struct vm *vm, struct diag *d, int line, const char *field, const char *name, gpa_t g,
                       hpa_t h, u64 len, u32 irq)
{
    const struct vm_config *c = vm->config;
    const struct dev_claim *held = NULL;
    if (dev_claim(h.val, len, vm, name, &held) == 0)
        return 0;
    if (held && held->owner == DEVCLAIM_HYPERVISOR && h.val == boot_info.uart_base && len == PAGE_SIZE &&
        !vm->console) {
        /* its interrupt: the config's, else the host UART's; none without an emulated vGIC */
        u32 intid = virq_present(vm) && c->irq_mode == VM_IRQ_EMULATED
                        ? virq_line_of_host_irq(irq ? irq : boot_info.uart_intid) : 0;
        if (vconsole_create(vm, g, intid) != 0) {
            diag_error(d, c->file, line, field, "out of memory for an emulated console");
            return -1;
        }
        LOG_AT(LOG_INFO, (long)vm->id, "%s: '%s' is the hypervisor console; the VM gets an emulated " VM_ARCH_CONSOLE_UART_NAME
               " at %#llx",
               field, name, (unsigned long long)g.val);
        return 1;
    }
    if (!held)
        diag_error(d, c->file, line, field, "'%s': too many device ranges claimed", name);
    else if (held->owner == DEVCLAIM_HYPERVISOR)
        diag_error(d, c->file, line, field, "'%s' [%#llx, %#llx) overlaps the %s, which the hypervisor drives%s",
                   name, (unsigned long long)h.val, (unsigned long long)(h.val + len), held->what,
                   vm->console && h.val == boot_info.uart_base ? " (and the VM already has an emulated console)" : "");
    else
        diag_error(d, c->file, line, field, "'%s' [%#llx, %#llx) overlaps %s, which another VM holds", name,
                   (unsigned long long)h.val, (unsigned long long)(h.val + len), held->what);
    return -1;
}

int vm_setup_passthrough(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    char field[48];
    for (size_t i = 0; i < c->pt_device_count; i++) {
        const struct vm_passthrough_device *p = &c->pt_devices[i];
        if (p->by_path || vm_config_pt_served(c, p))
            continue; /* (an emulated device of the VM answers there: the config check said so) */
        fmt_snprintf(field, sizeof(field), "devices.passthrough_devices[%zu]", i);
        int r = claim_range(vm, d, p->line, field, p->name, p->base_gpa, p->base_hpa, p->length,
                            p->irq >= 32 && p->irq < 1020 ? p->irq : 0);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (vm_add_mem(vm, p->base_gpa, p->base_hpa, p->length) != 0 ||
            vm_arch_map(vm, p->base_gpa, p->base_hpa, p->length, S2_READ | S2_WRITE | S2_DEVICE) != 0) {
            diag_error(d, c->file, p->line, field, "cannot map '%s'", p->name);
            return -1;
        }
        /* Its interrupt, unless the hypervisor serves that line itself. */
        if (p->irq >= 32 && p->irq < 1020 && c->irq_mode != VM_IRQ_NONE && !irq_has_handler(p->irq))
            virq_give_host_irq(vm, p->irq, false);
        add_host_node(vm, p);
        LOG_AT(LOG_DEBUG, (long)vm->id, "passthrough %s: gpa %#llx -> hpa %#llx (%#llx bytes)", p->name,
               (unsigned long long)p->base_gpa.val, (unsigned long long)p->base_hpa.val,
               (unsigned long long)p->length);
    }
    for (size_t i = 0; i < c->pt_address_count; i++) {
        const struct vm_passthrough_address *p = &c->pt_addresses[i];
        fmt_snprintf(field, sizeof(field), "devices.passthrough_addresses[%zu]", i);
        int r = claim_range(vm, d, p->line, field, field + 8, p->base, hpa(p->base.val), p->length, 0);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (vm_add_mem(vm, p->base, hpa(p->base.val), p->length) != 0 ||
            vm_arch_map(vm, p->base, hpa(p->base.val), p->length, S2_READ | S2_WRITE | S2_DEVICE) != 0) {
            diag_error(d, c->file, p->line, field, "cannot map %#llx", (unsigned long long)p->base.val);
            return -1;
        }
    }
    return pass_by_path(vm, d);
}
