FUZZERS += fuzz_virtq
fuzz_virtq_SRCS := tests/fuzz/fuzz_virtq.c lib/src/virtq.c lib/src/string.c
