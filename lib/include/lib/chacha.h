/* The ChaCha20 block function (RFC 8439, section 2.3): 64 bytes of key stream from a 256-bit
 * key, a 32-bit block counter and a 96-bit nonce. cvisor uses it as a PRF to give each VM boot
 * its own seed from the host's (hv/core/vm_seed.c), never as a cipher. */
#ifndef LIB_CHACHA_H
#define LIB_CHACHA_H

#include <lib/types.h>

#define CHACHA_KEY_WORDS 8
#define CHACHA_NONCE_WORDS 3
#define CHACHA_BLOCK_BYTES 64

/* key and nonce as the RFC's little-endian words (key bytes 0..3 are key[0]); out is the block
 * serialized little-endian, as the RFC's test vectors print it. */
void chacha20_block(const u32 key[CHACHA_KEY_WORDS], u32 counter, const u32 nonce[CHACHA_NONCE_WORDS],
                    u8 out[CHACHA_BLOCK_BYTES]);

#endif
