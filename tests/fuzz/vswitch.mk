FUZZERS += fuzz_vswitch
fuzz_vswitch_SRCS := tests/fuzz/fuzz_vswitch.c lib/src/vswitch.c lib/src/string.c
