/* x86 guests boot with multiboot information, not a device tree: the generic writer gets no
 * arch nodes, and a config asking for a generated tree is refused (vm_arch_config_check). */
#include <hv/vm_fdt_node.h>

bool vm_fdt_arch_valid(const struct vm_fdt_params *p, bool generate) { return (void)p, (void)generate, false; }
void vm_fdt_arch_gen_firmware(struct fdt_writer *w, const struct vm_fdt_params *p) { (void)w, (void)p; }
void vm_fdt_arch_gen_machine(struct fdt_writer *w, const struct vm_fdt_params *p) { (void)w, (void)p; }
void vm_fdt_arch_gen_console(struct fdt_writer *w, const struct vm_fdt_params *p, char *path, size_t size)
{
    (void)w, (void)p;
    if (size)
        path[0] = '\0';
}
bool vm_fdt_arch_patch_node(struct vm_fdt_patch_ctx *c, int node) { return (void)c, (void)node, false; }
bool vm_fdt_arch_patch_props(struct vm_fdt_patch_ctx *c, int node) { return (void)c, (void)node, false; }
void vm_fdt_arch_patch_finish(struct vm_fdt_patch_ctx *c) { (void)c; }
bool vm_fdt_arch_device_irq_ok(u32 irq) { return (void)irq, false; }
void vm_fdt_arch_write_device_irq(struct fdt_writer *w, const struct vm_fdt_params *p, u32 irq)
{
    (void)w, (void)p, (void)irq;
}
