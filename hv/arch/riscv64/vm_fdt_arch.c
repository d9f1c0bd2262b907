/* The riscv64 nodes of a guest device tree (the generic writer is hv/core/vm_fdt.c): /cpus with
 * the timebase, one cpu per vCPU (reg = hart id, riscv,isa without the H extension, mmu-type) and
 * its hart-local interrupt controller (riscv,cpu-intc); the PLIC with its two contexts per hart
 * (interrupts-extended: M-mode external 11, S-mode external 9, as QEMU virt); the NS16550 with its
 * PLIC source. Written from the Linux DT bindings of those nodes. SBI needs no node. In a user's
 * tree /cpus is rewritten the same way. See docs/riscv64.md. */
#include <hv/vm_fdt_node.h>
#include <lib/fdt.h>
#include <lib/string.h>

/* What QEMU 7.2's rv64 offers a guest in VS-mode: no "h" (a guest is no hypervisor here). */
#define GUEST_ISA "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs"
#define GUEST_ISA_SSTC GUEST_ISA "_sstc"
#define MAX_HART_ID 0xffffffffull /* /cpus has one address cell */
#define CPUS_DONE 0x1u
/* The root's interrupt-parent (VM_FDT_PHANDLE_INTC) is the PLIC when the VM has one, else the
 * boot hart's interrupt controller; the harts' controllers that are not it follow from here. */
#define PHANDLE_INTC_OTHERS 0x100u
#define PLIC_NDEV 95u   /* sources 1..95 (vplic.h's VPLIC_SOURCES - 1) */
#define IRQ_M_EXT 11u   /* a hart's machine-level external interrupt (the M-mode context) */
#define IRQ_S_EXT 9u    /* ... and supervisor-level (the S-mode context, the guest's) */

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
    return p->arch.timebase_hz != 0 && (!p->arch.plic_size || vm_fdt_valid_range(p->arch.plic_base, p->arch.plic_size)) &&
           (!p->arch.imsic_base || vm_fdt_valid_range(p->arch.imsic_base, (u64)p->cpu_count * 0x1000));
}

static u32 intc_phandle(u32 cpu, bool plic)
{
    return cpu == 0 && !plic ? VM_FDT_PHANDLE_INTC : PHANDLE_INTC_OTHERS + cpu;
}

void vm_fdt_arch_gen_firmware(struct fdt_writer *w, const struct vm_fdt_params *p) { (void)w, (void)p; }

/* plic: the tree has the PLIC as its interrupt-parent (generated trees of a VM with one). */
static void write_cpus(struct fdt_writer *w, const struct vm_fdt_params *p, bool plic)
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
        fdt_property_u32(w, "phandle", intc_phandle(i, plic));
        fdt_end_node(w);
        fdt_end_node(w);
    }
    fdt_end_node(w);
}

static void write_plic(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    static const char *const compat[] = {"sifive,plic-1.0.0", "riscv,plic0"};
    char name[VM_FDT_NAME_MAX];
    u32 ext[VM_MAX_VCPUS * 4];
    size_t n = 0;
    for (u32 i = 0; i < p->cpu_count; i++) {
        ext[n++] = intc_phandle(i, true);
        ext[n++] = IRQ_M_EXT;
        ext[n++] = intc_phandle(i, true);
        ext[n++] = IRQ_S_EXT;
    }
    vm_fdt_unit_name(name, "plic", p->arch.plic_base);
    fdt_begin_node(w, name);
    fdt_property_u32(w, "#interrupt-cells", 1);
    fdt_property_u32(w, "#address-cells", 0);
    fdt_property_strings(w, "compatible", compat, ARRAY_SIZE(compat));
    vm_fdt_write_reg(w, 2, 2, p->arch.plic_base, p->arch.plic_size);
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_cells(w, "interrupts-extended", ext, n);
    fdt_property_u32(w, "riscv,ndev", PLIC_NDEV);
    fdt_property_u32(w, "phandle", VM_FDT_PHANDLE_INTC);
    fdt_end_node(w);
}

/* The VM's IMSIC (its vCPUs' guest interrupt files, interrupt_mode = "passthrough"), as the
 * Linux binding riscv,imsics describes an S-level one: a page per hart (hart index i = vCPU i,
 * whose hart id is i), each hart's supervisor external interrupt. It takes phandle 1, as a PLIC
 * would. No APLIC: the host's is the hypervisor's, set for the VM's sources (vimsic.c); a device
 * node keeps its host interrupt specifier, whose source number is its identity in the file. */
static void write_imsic(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    char name[VM_FDT_NAME_MAX];
    u32 ext[VM_MAX_VCPUS * 2];
    size_t n = 0;
    u64 harts = 0;
    for (u32 i = 0; i < p->cpu_count; i++) {
        ext[n++] = intc_phandle(i, true);
        ext[n++] = IRQ_S_EXT;
        harts = p->cpu_hwid[i] + 1 > harts ? p->cpu_hwid[i] + 1 : harts;
    }
    vm_fdt_unit_name(name, "imsics", p->arch.imsic_base);
    fdt_begin_node(w, name);
    fdt_property_string(w, "compatible", "riscv,imsics");
    vm_fdt_write_reg(w, 2, 2, p->arch.imsic_base, harts * 0x1000);
    fdt_property_cells(w, "interrupts-extended", ext, n);
    fdt_property_u32(w, "riscv,num-ids", p->arch.imsic_ids);
    fdt_property_empty(w, "msi-controller");
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", 0);
    fdt_property_u32(w, "#address-cells", 0); /* dtc wants it on every interrupt provider */
    fdt_property_u32(w, "phandle", VM_FDT_PHANDLE_INTC);
    fdt_end_node(w);
}

void vm_fdt_arch_gen_machine(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    write_cpus(w, p, p->arch.plic_size != 0 || p->arch.imsic_base != 0);
    if (p->arch.plic_size)
        write_plic(w, p);
    else if (p->arch.imsic_base)
        write_imsic(w, p);
}

/* The emulated NS16550 (vm_arch_console_uart): byte registers; its interrupt a PLIC source when
 * the VM has a PLIC and the config gives one (else none, and Linux's 8250 driver polls it). */
void vm_fdt_arch_gen_console(struct fdt_writer *w, const struct vm_fdt_params *p, char *path, size_t size)
{
    char name[VM_FDT_NAME_MAX];
    vm_fdt_unit_name(name, "serial", p->uart_base);
    fdt_begin_node(w, name);
    fdt_property_string(w, "compatible", "ns16550a");
    vm_fdt_write_reg(w, 2, 2, p->uart_base, VM_FDT_UART_SIZE);
    fdt_property_u32(w, "clock-frequency", 3686400); /* QEMU virt's */
    if (vm_fdt_arch_device_irq_ok(p->uart_irq))
        vm_fdt_arch_write_device_irq(w, p, p->uart_irq);
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
        write_cpus(c->w, c->p, false);
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
        write_cpus(c->w, c->p, false);
}

/* A device's interrupt is a PLIC source, level-triggered (the PLIC has no trigger cell). The
 * PLIC is named as its parent (it is the root's interrupt-parent too, but a reader need not look
 * up). Without a PLIC the root's interrupt-parent is a hart's own controller, whose numbers mean
 * the hart's software, timer and external interrupts: no device line is described then. */
bool vm_fdt_arch_device_irq_ok(u32 irq) { return irq >= 1 && irq <= PLIC_NDEV; }

void vm_fdt_arch_write_device_irq(struct fdt_writer *w, const struct vm_fdt_params *p, u32 irq)
{
    if (!p->arch.plic_size)
        return;
    fdt_property_u32(w, "interrupt-parent", VM_FDT_PHANDLE_INTC);
    fdt_property_u32(w, "interrupts", irq);
}
