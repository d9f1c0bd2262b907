# Differential test of lib/src/toml.c against Python's tomllib: tools/toml_dump prints each
# document of tests/unit/lib/toml_diff/ as JSON, tests/unit/lib/toml_differential.py compares.
# The path is $(HOST_OUT)/tools/toml_dump, spelt out because HOST_OUT is only defined after
# mk/host.mk includes this file (and rule targets are expanded immediately).
TOML_DUMP := $(BUILD)/host/tools/toml_dump
TOML_DUMP_SRCS := tools/toml_dump.c lib/src/toml.c lib/src/string.c lib/src/fmt.c

$(TOML_DUMP): $(TOML_DUMP_SRCS) $(wildcard lib/include/lib/*.h) | bootstrap
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_SAN) $(TOML_DUMP_SRCS) -o $@

.PHONY: toml-diff
toml-diff: $(TOML_DUMP)
	/usr/bin/python3 tests/unit/lib/toml_differential.py $(TOML_DUMP)

HOST_CHECKS += toml-diff
