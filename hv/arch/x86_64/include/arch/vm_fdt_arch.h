/* x86 guests boot without a device tree (multiboot information instead): nothing to add. */
#ifndef ARCH_VM_FDT_ARCH_H
#define ARCH_VM_FDT_ARCH_H

struct vm_fdt_arch_params {
    char none;
};

#endif
