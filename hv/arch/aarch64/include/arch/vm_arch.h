#ifndef ARCH_VM_ARCH_H
#define ARCH_VM_ARCH_H

#include <arch/vgic.h>
#include <lib/pgtable.h>

/* Stage 2 translates a 39-bit guest-physical space (VTCR_EL2.T0SZ = 25): vm_arch_ipa_limit, and
 * what the host config checker (tools/cvisor_check.c) validates against. */
#define VM_ARCH_IPA_BITS 39

/* The aarch64 part of struct vm (hv/include/hv/vm.h). */
struct vm_arch {
    struct pgtable s2;  /* stage-2 translation tables */
    u64 vttbr;          /* table base | VMID */
    u16 vmid;
    void *revoked_root; /* vm_arch_revoke: the root table's entries, put back before freeing */
    u64 cntvoff;        /* virtual counter offset: the guest's counter starts near 0 */
    struct vgic vgic;   /* its interrupt controller (hv/arch/aarch64/vgic/) */
};

#endif
