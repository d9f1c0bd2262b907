/* Each VM boot's rng-seed for its device tree's /chosen, derived from the host's (see
 * <lib/boot_seed.h>, docs/guest-dtb.md). */
#ifndef HV_VM_SEED_H
#define HV_VM_SEED_H

#include <lib/boot_seed.h>
#include <lib/types.h>

/* Reads the host device tree's /chosen rng-seed, once, before any VM is built. */
void vm_seed_init(void);

/* A fresh seed for a boot of VM vm_id (every call gives another); false when the host gave no
 * seed of at least BOOT_SEED_HOST_MIN bytes: the guest then gets none (cvisor has no entropy
 * of its own to put there). */
bool vm_seed_next(u64 vm_id, u8 out[BOOT_SEED_BYTES]);

#endif
