UNIT_TESTS += test_toml
test_toml_SRCS := tests/unit/lib/test_toml.c lib/src/toml.c lib/src/string.c lib/src/fmt.c
