#ifndef ARCH_VM_ARCH_H
#define ARCH_VM_ARCH_H

#include <lib/pgtable.h>

struct vm_arch {
    struct pgtable s2;  /* stage-2 translation tables */
    u64 vttbr;          /* table base | VMID */
    u16 vmid;
    void *revoked_root; /* vm_arch_revoke: the root table's entries, put back before freeing */
};

#endif
