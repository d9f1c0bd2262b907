# Host builds: unit tests (cmocka) and libFuzzer targets over the host-testable modules.
# Unit tests are grouped by layer: tests/unit/lib, tests/unit/base, tests/unit/hv, and the tests of
# one architecture's code under tests/unit/<layer>/arch/<arch>/ (all of them are built and run on
# the host, whatever ARCH is). Each of their *.mk adds `UNIT_TESTS += name` and `name_SRCS := ...`;
# each tests/fuzz/*.mk (tests/fuzz/arch/<arch>/*.mk) adds `FUZZERS += name` and `name_SRCS := ...`
# (corpus: tests/fuzz/corpus/name).
#
# Host builds see the host "architecture" of tests/unit/hostarch (<arch/cpu.h>, <arch/spinlock.h>)
# and no real architecture's base headers; a test of arch code adds that arch's hv headers itself.

HOST_CC ?= clang
# The hypervisor's generic code is tested with the arch headers and tables of ARCH's hv port (or,
# for an ARCH whose hypervisor is not ported yet, aarch64's).
HV_HOST_ARCH := $(if $(wildcard hv/arch/$(ARCH)/include),$(ARCH),aarch64)
# A test of one architecture's code sets HV_ARCH_INC for its target to that architecture's headers
# (target-specific), so they come before ARCH's: both define <arch/vm_arch.h> and the like.
HV_ARCH_INC = -Ihv/arch/$(HV_HOST_ARCH)/include
HOST_INC = -Ilib/include -Ibase/include -Ihv/include -Itests/unit/hostarch $(HV_ARCH_INC)
HOST_CFLAGS = -std=c11 -D_GNU_SOURCE -DCVISOR_HOSTED -Wall -Wextra -Werror -g -O1 $(HOST_INC)
HOST_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 20

UNIT_TESTS :=
FUZZERS :=
# Extra host-side checks (phony targets) that `make test` runs, e.g. differential tests.
HOST_CHECKS :=
include $(sort $(wildcard tests/unit/*/*.mk tests/unit/*/arch/*/*.mk))
include $(sort $(wildcard tests/fuzz/*.mk tests/fuzz/arch/*/*.mk))

HOST_OUT := $(BUILD)/host
HOST_HEADERS := $(wildcard lib/include/lib/*.h base/include/base/*.h base/include/drivers/*.h hv/include/hv/*.h hv/arch/*/include/arch/*.h \
  tests/unit/hostarch/arch/*.h)
UNIT_BINS := $(addprefix $(HOST_OUT)/unit/,$(UNIT_TESTS))
FUZZ_BINS := $(addprefix $(HOST_OUT)/fuzz/,$(FUZZERS))

define unit_rule
$(HOST_OUT)/unit/$(1): $$($(1)_SRCS) $$(HOST_HEADERS) | bootstrap
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) $$(HOST_SAN) $$($(1)_SRCS) -o $$@ -lcmocka
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

define fuzz_rule
$(HOST_OUT)/fuzz/$(1): $$($(1)_SRCS) $$(HOST_HEADERS) | bootstrap
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

# The module dependency graph (scripts/include_graph.py), for every architecture: no cycle, no use
# of a higher layer and no prototype written in a .c file, in base/, lib/ and hv/.
.PHONY: include-graph
include-graph:
	@set -e; for arch in $(notdir $(wildcard base/arch/*)); do echo "include_graph: ARCH=$$arch"; \
	  /usr/bin/python3 scripts/include_graph.py --arch $$arch --strict base lib hv; done
HOST_CHECKS += include-graph

# Generic code names no architecture's hardware (scripts/generic_names.py): strict for base/core,
# base/include/base, lib/, hv/core and hv/include.
.PHONY: generic-names
generic-names:
	@/usr/bin/python3 scripts/generic_names.py
HOST_CHECKS += generic-names
