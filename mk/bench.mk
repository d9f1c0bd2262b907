# Benchmarks (docs/bench.md): guest microbenchmarks and a Linux boot, under cvisor and on bare
# QEMU, counted in instructions (-icount). Needs BUILD and CACHE_DIR, so it is included after
# they are set.
#   make bench          full run: a table, and $(BUILD)/bench/results.json
#   make bench-smoke    quick run (well under a minute); fails only when a value is missing
# scripts/bench.py builds the images it needs itself (into $(BUILD)/bench/).

BENCH_PY := /usr/bin/python3 scripts/bench.py --build '$(BUILD)' --cache-dir '$(CACHE_DIR)'

.PHONY: bench bench-smoke
bench: bootstrap guest-images
	@test '$(ARCH)' = aarch64 || { echo "bench: only ARCH=aarch64 is supported" >&2; exit 1; }
	@$(BENCH_PY)

bench-smoke: bootstrap guest-images
	@test '$(ARCH)' = aarch64 || { echo "bench: only ARCH=aarch64 is supported" >&2; exit 1; }
	@$(BENCH_PY) --quick
