# Benchmarks (docs/bench.md): guest microbenchmarks and a Linux boot, under cvisor and on bare
# QEMU, counted in instructions (-icount). Needs BUILD and CACHE_DIR, so it is included after
# they are set.
#   make bench          full run: a table, and $(BUILD)/bench/results.json
#   make bench-smoke    quick run (well under a minute); fails only when a value is missing
# scripts/bench.py builds the images it needs itself (into $(BUILD)/bench/).

# An architecture without benchmarks yet is refused by scripts/bench.py with "not ported yet".

# The downloaded guests (Linux) are benchmarked on every architecture (its boot to /init).
BENCH_IMAGES := guest-images

BENCH_PY := /usr/bin/python3 scripts/bench.py --arch '$(ARCH)' --build '$(BUILD)' --cache-dir '$(CACHE_DIR)'

.PHONY: bench bench-smoke
bench: bootstrap
	@$(BENCH_PY) --check
	$(if $(BENCH_IMAGES),@$(MAKE) --no-print-directory $(BENCH_IMAGES))
	@$(BENCH_PY)

bench-smoke: bootstrap
	@$(BENCH_PY) --check
	$(if $(BENCH_IMAGES),@$(MAKE) --no-print-directory $(BENCH_IMAGES))
	@$(BENCH_PY) --quick
