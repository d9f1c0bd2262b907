/* Per-boot guest seeds from the host's seed (see <lib/boot_seed.h>). */
#include <lib/boot_seed.h>

bool boot_seed_key_init(struct boot_seed_key *k, const void *seed, size_t len)
{
    for (int i = 0; i < CHACHA_KEY_WORDS; i++)
        k->key[i] = 0;
    k->valid = false;
    if (!seed || len < BOOT_SEED_HOST_MIN)
        return false;
    /* Folding keeps up to 256 bits of the seed's entropy; ChaCha20 needs nothing more of a key. */
    const u8 *s = seed;
    for (size_t i = 0; i < len; i++)
        k->key[(i / 4) % CHACHA_KEY_WORDS] ^= (u32)s[i] << (8 * (i % 4));
    k->valid = true;
    return true;
}

void boot_seed_derive(const struct boot_seed_key *k, u32 vm_id, u64 generation, u8 out[BOOT_SEED_BYTES])
{
    const u32 nonce[CHACHA_NONCE_WORDS] = {vm_id, (u32)generation, (u32)(generation >> 32)};
    chacha20_block(k->key, 0, nonce, out);
}
