# ChaCha20's block function against RFC 8439's test vector, and the per-boot guest seeds derived
# with it from the host's seed (lib/src/chacha.c, lib/src/boot_seed.c).
UNIT_TESTS += test_boot_seed
test_boot_seed_SRCS := tests/unit/lib/test_boot_seed.c lib/src/boot_seed.c lib/src/chacha.c lib/src/string.c
