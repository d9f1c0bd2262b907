/* The virtual-interrupt seam (<hv/virq.h>) on aarch64: the vGIC behind it, and its creation
 * from a VM's config (where its distributor, redistributors or CPU interface are, which version,
 * emulated or passed through). */
#include <base/log.h>
#include <base/timer.h>
#include <drivers/gic.h>
#include <hv/arch.h>
#include <hv/virq.h>
#include <hv/vm.h>

void virq_set_level(struct vm *vm, struct vcpu *vcpu, u32 irq, bool level) { vgic_set_level(vm, vcpu, irq, level); }

void virq_raise(struct vm *vm, struct vcpu *vcpu, u32 irq) { vgic_raise(vm, vcpu, irq); }

void virq_give_host_irq(struct vm *vm, u32 host_irq, bool edge)
{
    if (vm->config->irq_mode == VM_IRQ_PASSTHROUGH)
        vgic_pt_own(vm, host_irq);
    else if (vm->arch.vgic.present)
        vgic_forward_spi(vm, host_irq, edge);
}

bool virq_pending(struct vcpu *vcpu) { return vgic_has_pending(vcpu); }

bool vcpu_arch_halt_unless_pending(struct vcpu *vcpu) { return vgic_halt_unless_pending(vcpu); }

u64 virq_injected(const struct vm *vm) { return __atomic_load_n(&vm->arch.vgic.injected, __ATOMIC_RELAXED); }

BUILT_FOR_SIZE void virq_release(struct vm *vm)
{
    if (vm->arch.vgic.present)
        vgic_release(vm); /* forwarded interrupts first: their handler reaches the vCPUs */
    if (vm->arch.vgic.passthrough)
        vgic_pt_release(vm);
    vm->arch.vgic.present = false;
}

/* QEMU virt layout, used when interrupt_mode = "emu" names no GIC device. */
#define DEFAULT_GICD 0x08000000ull
#define DEFAULT_GICR 0x080a0000ull
#define DEFAULT_GICC_OFFSET 0x10000ull

static const struct vm_emu_device *find_emu(const struct vm_config *c, u32 type)
{
    for (size_t i = 0; i < c->emu_device_count; i++)
        if (c->emu_devices[i].emu_type == type)
            return &c->emu_devices[i];
    return NULL;
}

/* The VM's interrupt controller: a GICv2 (emu_type 1: distributor at its base, CPU interface at
 * cfg_list[0], else 64 KiB above as on QEMU virt) or a GICv3 (0x21 distributor, 0x20
 * redistributors); with interrupt_mode = "emu" and neither listed, a GICv2 at the QEMU virt
 * addresses. interrupt_mode = "passthrough": the physical GIC, distributor filtered. The VM's pCPUs are
 * claimed already (vm_setup_devices). */
BUILT_FOR_SIZE static int setup_vgic(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    const struct vm_emu_device *gicd = find_emu(c, VM_EMU_GICV3_GICD), *gicr = find_emu(c, VM_EMU_GICV3_GICR);
    const struct vm_emu_device *v2 = find_emu(c, VM_EMU_GICV2);
    u32 host = gic_version();
    bool exclusive = c->irq_mode == VM_IRQ_PASSTHROUGH;
    if (vm_config_check_gic(c, host, d) != 0) /* checked with the config already; for any other path */
        return -1;
    if (exclusive) {
        if (v2 || gicd || gicr)
            diag_warn(d, c->file, (v2 ? v2 : gicd ? gicd : gicr)->line, "devices.emu_devices",
                      "the emulated interrupt controller is not used with interrupt_mode = \"passthrough\"");
        /* The VM sees the GIC where the host's device tree has it. */
        if (vgic_pt_create(vm, gpa(gic_v2_dist_base()), gpa(gic_v2_cpu_base())) != 0) {
            diag_error(d, c->file, 0, "devices.interrupt_mode", "cannot map the GIC CPU interface");
            return -1;
        }
        LOG_AT(LOG_INFO, (long)vm->id, "interrupt passthrough: physical GICC at %#llx, filtered GICD at %#llx",
               (unsigned long long)gic_v2_cpu_base(), (unsigned long long)gic_v2_dist_base());
        return 0;
    }
    if (!v2 && !gicd && !gicr && c->irq_mode == VM_IRQ_NONE)
        return 0;
    /* Nothing listed: a GICv2, like axvisor's emulated interrupt controller and what guests
     * written for QEMU virt's default GIC (NimbOS, ArceOS, many RTOSes) drive. */
    u32 version = (gicd || gicr) ? 3 : 2;
    if (version == 2) {
        gpa_t dist = gpa(v2 ? v2->base.val : DEFAULT_GICD);
        gpa_t cpu = gpa(v2 && v2->cfg_count ? v2->cfg[0] : dist.val + DEFAULT_GICC_OFFSET);
        if (host == 2 && !gic_v2_vcpu_base()) {
            diag_error(d, c->file, v2 ? v2->line : c->base_line, "devices.emu_devices",
                       "the host GICv2 has no virtualization extensions (no GICH/GICV in its device tree)");
            return -1;
        }
        /* On a GICv2 host the VM's CPU interface is the hardware GICV frame. */
        if (vgic_v2_create(vm, dist, cpu, host != 2) != 0 ||
            (host == 2 && vm_arch_map(vm, cpu, hpa(gic_v2_vcpu_base()), VGIC_V2_CPU_SIZE,
                                      S2_READ | S2_WRITE | S2_DEVICE) != 0)) {
            diag_error(d, c->file, v2 ? v2->line : c->base_line, "devices.emu_devices",
                       "cannot set up the GICv2 CPU interface at %#llx", (unsigned long long)cpu.val);
            return -1;
        }
        LOG_AT(LOG_DEBUG, (long)vm->id, "vGICv2: distributor %#llx, CPU interface %#llx (%s)",
               (unsigned long long)dist.val, (unsigned long long)cpu.val,
               host == 2 ? "hardware GICV" : "emulated");
        return 0;
    }
    gpa_t dist = gpa(gicd ? gicd->base.val : DEFAULT_GICD);
    gpa_t redist = gpa(gicr ? gicr->base.val : (gicd ? gicd->base.val + 0xa0000 : DEFAULT_GICR));
    vgic_v3_create(vm, dist, redist);
    LOG_AT(LOG_DEBUG, (long)vm->id, "vGICv3: distributor %#llx, redistributors %#llx",
           (unsigned long long)dist.val, (unsigned long long)redist.val);
    return 0;
}

BUILT_FOR_SIZE int vm_arch_setup_devices(struct vm *vm, struct diag *d)
{
    vm->arch.cntvoff = timer_ticks();
    return setup_vgic(vm, d);
}
