#ifndef ARCH_VM_ARCH_H
#define ARCH_VM_ARCH_H

#include <arch/vioapic.h>
#include <arch/vplatform.h>
#include <hv/vm_config.h>
#include <lib/pgtable.h>
#include <lib/types.h>

/* Nested paging translates a 48-bit guest-physical space (4 levels, as the host's own paging). */
#define VM_ARCH_IPA_BITS 48
/* Pages per vCPU (vm_arch.vmcb): the control block, then the FXSAVE area of its FPU/SSE state. */
#define VCPU_X86_PAGES 2

/* The x86_64 part of struct vm (hv/include/hv/vm.h). */
struct vm_arch {
    struct pgtable npt;          /* nested page tables (guest-physical -> host-physical) */
    u32 asid;                    /* address-space id of its TLB entries (SVM); 0: none yet */
    u32 revoked;                 /* vm_arch_revoke: generation the vCPUs compare before entering */
    void *revoked_root;          /* ... the root's entries, put back before freeing */
    void *vmcb[VM_MAX_VCPUS]; /* per vCPU: its control block (SVM's VMCB) and FPU area, VCPU_X86_PAGES */
    bool lapic;                  /* virtual local APICs (interrupt_mode = "emu") */
    bool lapic_pt;               /* its vCPU drives its pCPU's local APIC ("passthrough", lapic_pt.c) */
    u64 injected;                /* interrupts delivered to its vCPUs */
    u64 tsc_offset;              /* guest TSC = host TSC + this, the same on every vCPU */
    bool ioapic_present;         /* its virtual I/O APIC (interrupt_mode = "emu") */
    struct vioapic ioapic;
    struct vplatform platform;   /* PIT, 8259, CMOS, PCI configuration, reset, ACPI PM */
};

#endif
