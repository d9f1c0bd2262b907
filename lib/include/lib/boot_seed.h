/* Boot seeds for guests: a key folded from the host's own seed (the rng-seed its boot loader put
 * in the host device tree), and from it a distinct seed for every VM boot. A guest's rng-seed
 * lets its kernel's random number generator start seeded instead of collecting entropy for
 * seconds (docs/guest-dtb.md). Pure logic, host-testable. */
#ifndef LIB_BOOT_SEED_H
#define LIB_BOOT_SEED_H

#include <lib/chacha.h>
#include <lib/types.h>

#define BOOT_SEED_BYTES 64    /* one ChaCha20 block per VM boot */
#define BOOT_SEED_HOST_MIN 16 /* a shorter host seed (under 128 bits) is not used */

struct boot_seed_key {
    u32 key[CHACHA_KEY_WORDS];
    bool valid;
};

/* Folds the host's seed (any length) into a 256-bit key by XOR. Returns false, leaving the key
 * invalid, when seed is NULL or shorter than BOOT_SEED_HOST_MIN. */
bool boot_seed_key_init(struct boot_seed_key *k, const void *seed, size_t len);

/* The seed of VM vm_id's boot number generation: ChaCha20 keyed by the host's seed, the VM id and
 * the generation as its nonce, so no two boots share a seed and none reveals the host's. */
void boot_seed_derive(const struct boot_seed_key *k, u32 vm_id, u64 generation, u8 out[BOOT_SEED_BYTES]);

#endif
