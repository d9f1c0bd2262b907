# Host builds: unit tests (cmocka) and libFuzzer targets over the host-testable modules.
# Each tests/unit/*.mk adds `UNIT_TESTS += name` and `name_SRCS := ...`;
# each tests/fuzz/*.mk adds `FUZZERS += name` and `name_SRCS := ...` (corpus: tests/fuzz/corpus/name).

HOST_CC ?= clang
HOST_INC := -Ilib/include -Ibase/include -Ihv/include -Itests/unit
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -DCVISOR_HOSTED -Wall -Wextra -Werror -g -O1 $(HOST_INC)
HOST_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 20

UNIT_TESTS :=
FUZZERS :=
# Extra host-side checks (phony targets) that `make test` runs, e.g. differential tests.
HOST_CHECKS :=
include $(sort $(wildcard tests/unit/*.mk))
include $(sort $(wildcard tests/fuzz/*.mk))

HOST_OUT := $(BUILD)/host
UNIT_BINS := $(addprefix $(HOST_OUT)/unit/,$(UNIT_TESTS))
FUZZ_BINS := $(addprefix $(HOST_OUT)/fuzz/,$(FUZZERS))

define unit_rule
$(HOST_OUT)/unit/$(1): $$($(1)_SRCS) $$(wildcard lib/include/lib/*.h base/include/base/*.h hv/include/hv/*.h tests/unit/*.h) | bootstrap
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) $$(HOST_SAN) $$($(1)_SRCS) -o $$@ -lcmocka
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

define fuzz_rule
$(HOST_OUT)/fuzz/$(1): $$($(1)_SRCS) $$(wildcard lib/include/lib/*.h base/include/base/*.h hv/include/hv/*.h) | bootstrap
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $$($(1)_SRCS) -o $$@
endef
$(foreach t,$(FUZZERS),$(eval $(call fuzz_rule,$(t))))

.PHONY: unit fuzz
unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# Bounded fuzz run: each target gets FUZZ_SECONDS, starting from its committed corpus (read-only;
# new inputs go to a scratch directory under build/).
fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZERS); do \
	  echo "== fuzz $$t ($(FUZZ_SECONDS)s)"; \
	  mkdir -p $(HOST_OUT)/fuzz/$$t.new; \
	  $(HOST_OUT)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	    $(HOST_OUT)/fuzz/$$t.new tests/fuzz/corpus/$$t 2>$(HOST_OUT)/fuzz/$$t.log \
	    || { tail -50 $(HOST_OUT)/fuzz/$$t.log; exit 1; }; \
	  grep -E '^#[0-9]+ *DONE' $(HOST_OUT)/fuzz/$$t.log || tail -1 $(HOST_OUT)/fuzz/$$t.log; \
	done
