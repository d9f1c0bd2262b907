/* The riscv64 nodes of a guest device tree (the generic writer is hv/core/vm_fdt.c): /cpus with
 * the timebase, one cpu per vCPU (reg = hart id, riscv,isa without the H extension, mmu-type) and
 * its hart-local interrupt controller (riscv,cpu-intc); written from the Linux DT bindings of
 * those nodes. SBI needs no node. No PLIC and no UART node yet (riscv64 VMs have neither). In a
 * user's tree /cpus is rewritten the same way. See docs/riscv64.md. */
#include <hv/vm_fdt_node.h>
#include <lib/fdt.h>
#include <lib/string.h>

/* What QEMU 7.2's rv64 offers a guest in VS-mode: no "h" (a guest is no hypervisor here). */
#define GUEST_ISA "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs"
#define GUEST_ISA_SSTC GUEST_ISA "_sstc"
#define MAX_HART_ID 0xffffffffull /* /cpus has one address cell */
#define CPUS_DONE 0x1u
/* The boot hart's interrupt controller is VM_FDT_PHANDLE_INTC (the root's interrupt-parent);
 * the others' follow from here. */
#define PHANDLE_INTC_OTHERS 0x100u

bool vm_fdt_arch_valid(const struct vm_fdt_params *p, bool generate)
{
    (void)generate;
    for (u32 i = 0; i < p->cpu_count; i++) {
        if (p->cpu_hwid[i] > MAX_HART_ID)
            return false;
        for (u32 j = 0; j < i; j++)
            if (p->cpu_hwid[i] == p->cpu_hwid[j])
                return false;
    }
    return p->arch.timebase_hz != 0;
}

void vm_fdt_arch_gen_firmware(struct fdt_writer *w, const struct vm_fdt_params *p) { (void)w, (void)p; }

static void write_cpus(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    char name[VM_FDT_NAME_MAX];
    fdt_begin_node(w, "cpus");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 0);
    fdt_property_u32(w, "timebase-frequency", p->arch.timebase_hz);
    for (u32 i = 0; i < p->cpu_count; i++) {
        vm_fdt_unit_name(name, "cpu", p->cpu_hwid[i]);
        fdt_begin_node(w, name);
        fdt_property_string(w, "device_type", "cpu");
        fdt_property_u32(w, "reg", (u32)p->cpu_hwid[i]);
        fdt_property_string(w, "status", "okay");
        fdt_property_string(w, "compatible", "riscv");
        fdt_property_string(w, "riscv,isa", p->arch.sstc ? GUEST_ISA_SSTC : GUEST_ISA);
        fdt_property_string(w, "mmu-type", "riscv,sv39");
        fdt_begin_node(w, "interrupt-controller");
        fdt_property_u32(w, "#interrupt-cells", 1);
        fdt_property_u32(w, "#address-cells", 0); /* dtc wants it on every interrupt provider */
        fdt_property_empty(w, "interrupt-controller");
        fdt_property_string(w, "compatible", "riscv,cpu-intc");
        fdt_property_u32(w, "phandle", i == 0 ? VM_FDT_PHANDLE_INTC : PHANDLE_INTC_OTHERS + i);
        fdt_end_node(w);
        fdt_end_node(w);
    }
    fdt_end_node(w);
}

void vm_fdt_arch_gen_machine(struct fdt_writer *w, const struct vm_fdt_params *p) { write_cpus(w, p); }

/* The emulated NS16550 (vm_arch_console_uart): byte registers, polled (no interrupt until the
 * vPLIC lands, so the node has none and Linux's 8250 driver polls it). */
void vm_fdt_arch_gen_console(struct fdt_writer *w, const struct vm_fdt_params *p, char *path, size_t size)
{
    char name[VM_FDT_NAME_MAX];
    vm_fdt_unit_name(name, "serial", p->uart_base);
    fdt_begin_node(w, name);
    fdt_property_string(w, "compatible", "ns16550a");
    vm_fdt_write_reg(w, 2, 2, p->uart_base, VM_FDT_UART_SIZE);
    fdt_property_u32(w, "clock-frequency", 3686400); /* QEMU virt's */
    fdt_end_node(w);
    if (size > 1) {
        path[0] = '/';
        vm_fdt_unit_name(path + 1, "serial", p->uart_base);
    }
}

/* A user's /cpus is replaced by the VM's (its vCPUs are not the source's harts). */
bool vm_fdt_arch_patch_node(struct vm_fdt_patch_ctx *c, int node)
{
    if (!vm_fdt_streq(fdt_node_name(c->f, node), "cpus"))
        return false;
    if (!(c->arch_done & CPUS_DONE))
        write_cpus(c->w, c->p);
    c->arch_done |= CPUS_DONE;
    return true;
}

bool vm_fdt_arch_patch_props(struct vm_fdt_patch_ctx *c, int node)
{
    (void)c, (void)node;
    return false;
}

void vm_fdt_arch_patch_finish(struct vm_fdt_patch_ctx *c)
{
    if (!(c->arch_done & CPUS_DONE))
        write_cpus(c->w, c->p);
}

/* No interrupt controller for devices yet (the vPLIC is to come): a riscv64 VM's emulated
 * devices have no interrupt line, so none can be named in its device tree. */
bool vm_fdt_arch_device_irq_ok(u32 irq)
{
    (void)irq;
    return false;
}

void vm_fdt_arch_write_device_irq(struct fdt_writer *w, u32 irq)
{
    (void)w, (void)irq;
}
