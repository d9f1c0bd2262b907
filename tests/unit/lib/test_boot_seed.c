#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lib/boot_seed.h>
#include <lib/chacha.h>
#include <lib/string.h>

/* RFC 8439, 2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block count 1. */
static void chacha20_rfc8439_block(void **state)
{
    (void)state;
    u32 key[CHACHA_KEY_WORDS];
    for (u32 i = 0; i < CHACHA_KEY_WORDS; i++)
        key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (4 * i + 3) << 24;
    const u32 nonce[CHACHA_NONCE_WORDS] = {0x09000000, 0x4a000000, 0};
    static const u8 expect[CHACHA_BLOCK_BYTES] = {
        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
        0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
        0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
        0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
    u8 out[CHACHA_BLOCK_BYTES];
    chacha20_block(key, 1, nonce, out);
    assert_memory_equal(out, expect, sizeof(expect));
}

/* The key is the host's seed folded into 32 bytes; too short a seed gives none. */
static void host_seed_folded_into_key(void **state)
{
    (void)state;
    struct boot_seed_key k;
    u8 seed[48];
    for (int i = 0; i < 48; i++)
        seed[i] = (u8)(i + 1);
    assert_false(boot_seed_key_init(&k, NULL, 32));
    assert_false(k.valid);
    assert_false(boot_seed_key_init(&k, seed, BOOT_SEED_HOST_MIN - 1));
    assert_false(k.valid);
    assert_true(boot_seed_key_init(&k, seed, 32));
    assert_true(k.valid);
    assert_int_equal(k.key[0], 0x04030201);
    assert_int_equal(k.key[7], 0x201f1e1d);
    assert_true(boot_seed_key_init(&k, seed, 48)); /* bytes 32..47 fold onto 0..15 */
    assert_int_equal(k.key[0], 0x04030201 ^ 0x24232221);
    assert_int_equal(k.key[4], 0x14131211);
    assert_true(boot_seed_key_init(&k, seed, BOOT_SEED_HOST_MIN));
    assert_int_equal(k.key[4], 0);
}

/* Every boot's seed differs (another generation or VM), the same inputs give the same seed, and
 * another host seed gives other seeds; none contains the host's seed. */
static void seeds_distinct_per_boot(void **state)
{
    (void)state;
    struct boot_seed_key k, k2;
    u8 seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (u8)(0x5a ^ i);
    assert_true(boot_seed_key_init(&k, seed, sizeof(seed)));
    seed[31] ^= 1;
    assert_true(boot_seed_key_init(&k2, seed, sizeof(seed)));
    seed[31] ^= 1;
    enum { N = 6 };
    u8 out[N][BOOT_SEED_BYTES];
    boot_seed_derive(&k, 1, 0, out[0]);
    boot_seed_derive(&k, 1, 1, out[1]);
    boot_seed_derive(&k, 2, 0, out[2]);
    boot_seed_derive(&k, 1, 1ull << 32, out[3]);
    boot_seed_derive(&k2, 1, 0, out[4]);
    boot_seed_derive(&k, 1, 0, out[5]);
    assert_memory_equal(out[0], out[5], BOOT_SEED_BYTES);
    for (int i = 0; i < N - 1; i++) {
        for (int j = i + 1; j < N - 1; j++)
            assert_memory_not_equal(out[i], out[j], BOOT_SEED_BYTES);
        for (int off = 0; off + 32 <= BOOT_SEED_BYTES; off++)
            assert_memory_not_equal(out[i] + off, seed, 32);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chacha20_rfc8439_block),
        cmocka_unit_test(host_seed_folded_into_key),
        cmocka_unit_test(seeds_distinct_per_boot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
