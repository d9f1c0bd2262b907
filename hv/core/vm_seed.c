/* Guests' boot seeds. Without an rng-seed a Linux guest on a CPU with no random-number
 * instruction (riscv64 without Zkr) boots with its RNG unseeded, and until it is seeded every
 * get_random_u32() computes a whole ChaCha block under a lock instead of taking 4 bytes of a
 * per-CPU batch: each slab cache's freelist shuffle alone cost its boot ~8 % (docs/bench.md). The
 * host's boot loader (QEMU, U-Boot) puts a seed in the host's tree; each VM boot gets its own
 * derived from it, so VMs neither share a seed nor learn the host's. */
#include <base/boot.h>
#include <hv/vm_seed.h>
#include <lib/fdt.h>

static struct boot_seed_key host_key; /* written once by vm_seed_init, before VMs exist */
static u64 boots;                     /* seeds handed out: each boot's nonce, never reused */

void vm_seed_init(void)
{
    size_t len = 0;
    int chosen = fdt_path_lookup(&boot_info.fdt, "/chosen");
    const void *seed = chosen >= 0 ? fdt_prop(&boot_info.fdt, chosen, "rng-seed", &len) : NULL;
    boot_seed_key_init(&host_key, seed, len);
}

bool vm_seed_next(u64 vm_id, u8 out[BOOT_SEED_BYTES])
{
    if (!host_key.valid)
        return false;
    boot_seed_derive(&host_key, (u32)vm_id, __atomic_fetch_add(&boots, 1, __ATOMIC_RELAXED), out);
    return true;
}
