/* ChaCha20's block function, written from RFC 8439 section 2.3. */
#include <lib/chacha.h>

static inline u32 rotl(u32 v, unsigned n) { return (v << n) | (v >> (32 - n)); }

/* The quarter round on four words of the state (RFC 8439, 2.1). */
static void quarter(u32 *s, int a, int b, int c, int d)
{
    s[a] += s[b], s[d] = rotl(s[d] ^ s[a], 16);
    s[c] += s[d], s[b] = rotl(s[b] ^ s[c], 12);
    s[a] += s[b], s[d] = rotl(s[d] ^ s[a], 8);
    s[c] += s[d], s[b] = rotl(s[b] ^ s[c], 7);
}

void chacha20_block(const u32 key[CHACHA_KEY_WORDS], u32 counter, const u32 nonce[CHACHA_NONCE_WORDS],
                    u8 out[CHACHA_BLOCK_BYTES])
{
    /* "expand 32-byte k", the key, the counter, the nonce. */
    u32 init[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    for (int i = 0; i < CHACHA_KEY_WORDS; i++)
        init[4 + i] = key[i];
    init[12] = counter;
    for (int i = 0; i < CHACHA_NONCE_WORDS; i++)
        init[13 + i] = nonce[i];
    u32 s[16];
    for (int i = 0; i < 16; i++)
        s[i] = init[i];
    for (int round = 0; round < 10; round++) { /* 20 rounds: a column and a diagonal round each */
        quarter(s, 0, 4, 8, 12), quarter(s, 1, 5, 9, 13), quarter(s, 2, 6, 10, 14), quarter(s, 3, 7, 11, 15);
        quarter(s, 0, 5, 10, 15), quarter(s, 1, 6, 11, 12), quarter(s, 2, 7, 8, 13), quarter(s, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++) {
        u32 v = s[i] + init[i];
        for (int b = 0; b < 4; b++)
            out[4 * i + b] = (u8)(v >> (8 * b));
    }
}
