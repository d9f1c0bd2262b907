FUZZERS += fuzz_toml
fuzz_toml_SRCS := tests/fuzz/fuzz_toml.c lib/src/toml.c lib/src/string.c lib/src/fmt.c
