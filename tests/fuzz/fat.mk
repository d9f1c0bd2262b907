FUZZERS += fuzz_fat
fuzz_fat_SRCS := tests/fuzz/fuzz_fat.c lib/src/fat.c lib/src/string.c
