"""`make ARCH=x86_64 bench` (docs/bench.md, "x86_64"): scripts/bench.py's suite for x86_64 on AMD
SVM (QEMU q35, -cpu EPYC, TCG), with the same method (-icount shift=0,sleep=off: every number is
a count of instructions) and the same helpers (building through make, running QEMU).

The bench guest (guests/bench/main-x86_64.c) runs under cvisor (configs/vms/bench-x86_64.toml,
2 vCPUs on pCPUs 0 and 1, virtual local and I/O APICs) and on bare QEMU (`-kernel bench.bin`,
QEMU's multiboot loader). Its iteration counts travel on the multiboot command line: `-append`
bare, and the VM config's cmdline under cvisor, so this script writes a copy of the config with
the counts in it (build/bench/x86_64/bench-x86_64.toml).

Rows: VMMCALL round trip (bare: INT/IRETQ), port-I/O exit round trip (a read of the 16550's
scratch register), emulated MMIO read (local APIC version register), APIC timer interrupt
latency and IPI latency beside bare, and the size of the hypervisor built without VMs. A full
run writes README.md's x86_64 table (its own markers) and build/bench/x86_64/results.json.
"""
import datetime
import json
import re
import time

import bench  # scripts/bench.py: make, run_qemu, parse helpers, README handling

ARCH = "x86_64"
BENCH_CONFIG = "configs/vms/bench-x86_64.toml"
README_BEGIN = "<!-- bench-table x86_64: written by `make ARCH=x86_64 bench` (scripts/bench_x86_64.py) -->"
README_END = "<!-- bench-table x86_64 end -->"

REQUIRED = {
    "cvisor": ["empty_loop", "hypercall", "int_roundtrip", "pio_read", "mmio_read", "timer_irq_latency",
               "ipi_latency", "ipi_roundtrip"],
    "bare": ["empty_loop", "int_roundtrip", "pio_read_bare", "mmio_read_bare", "timer_irq_latency", "ipi_latency",
             "ipi_roundtrip"],
}

# README rows: label, key of the cvisor value, kind, key of the bare value.
README_ROWS = [
    ("null hypercall round trip (HC_NULL over VMMCALL; bare: INT 0x80 and IRETQ)", "hypercall_instructions",
     "instr", "int_roundtrip_bare_instructions"),
    ("port-I/O exit round trip (IN from the emulated 16550's scratch register)", "pio_read_instructions", "instr",
     "pio_read_bare_instructions"),
    ("emulated MMIO read (virtual local APIC version register, decoded in software)", "mmio_read_instructions",
     "instr", "mmio_read_bare_instructions"),
    ("APIC timer IRQ latency, one-shot: initial-count write + count to guest handler", "timer_irq_latency_instructions",
     "added", "timer_irq_latency_bare_instructions"),
    ("IPI latency, ICR write to handler on the other vCPU", "ipi_latency_instructions", "added",
     "ipi_latency_bare_instructions"),
    ("IPI round trip, ICR write to the answer's handler", "ipi_roundtrip_instructions", "added",
     "ipi_roundtrip_bare_instructions"),
    ("hypervisor binary, no VM embedded", "hv_binary_bytes", "bytes", None),
]


def config_with_counts(out, iters, rounds):
    """The bench VM config with the iteration counts in its cmdline."""
    text = (bench.REPO / BENCH_CONFIG).read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^cmdline = ".*"$', f'cmdline = "iters={iters} rounds={rounds}"', text)
    if n != 1:
        raise bench.BenchError(f"{BENCH_CONFIG}: no cmdline line to put the iteration counts in")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "bench-x86_64.toml"
    path.write_text(text, encoding="utf-8")
    return path


def build_all(build, cache_dir, jobs, iters, rounds):
    out = build / "bench" / ARCH
    config = config_with_counts(out, iters, rounds)
    images = {"bench": out / "hv" / "cvisor.bin", "guest": build / "guests" / ARCH / "bench.bin",
              "empty": out / "empty" / "cvisor.bin"}
    bench.log("building: cvisor with the x86_64 bench VM, the bench guest")
    bench.make(["APP=hv", f"VM_CONFIGS={config}", f"IMAGE_DIR={out / 'hv'}", "build", str(images["guest"])],
               "the bench image", build, cache_dir, jobs)
    bench.log("building: cvisor with no VM config")
    bench.make(["APP=hv", "VM_CONFIGS=", f"IMAGE_DIR={out / 'empty'}", "build"], "the empty image", build,
               cache_dir, jobs)
    for name, path in images.items():
        if not path.is_file():
            raise bench.BenchError(f"the build did not produce {path} ({name})")
    return images


def run_micro(env, images, iters, rounds, logs, timeout):
    machine = bench.qemu.machine(ARCH, bare=(env == "bare"))
    if env == "cvisor":
        cmd = machine + ["-smp", "2", "-m", bench.HV_MEM, "-icount", bench.ICOUNT, "-kernel", str(images["bench"])]
    else:
        cmd = machine + ["-smp", "2", "-m", "256M", "-icount", bench.ICOUNT, "-kernel", str(images["guest"]),
                         "-append", f"iters={iters} rounds={rounds}"]
    log_path = logs / f"micro-{ARCH}-{env}.log"
    text, status, timed_out = bench.run_qemu(cmd, timeout, log_path=log_path)
    if timed_out:
        raise bench.BenchError(f"{env} microbenchmarks: QEMU did not finish in {timeout} s (see {log_path})")
    if status != 0:
        raise bench.BenchError(f"{env} microbenchmarks: QEMU exited with status {status} (see {log_path})")
    saved = bench.REQUIRED_MICRO.get(env)
    bench.REQUIRED_MICRO[env] = REQUIRED[env]
    try:
        return bench.parse_micro(text, env, log_path)
    finally:
        bench.REQUIRED_MICRO[env] = saved


def readme_table(res):
    def num(v):
        return "-" if v is None else f"{round(v):,}" if v == int(v) else f"{v:,.1f}"

    lines = [f"x86_64 (`make ARCH=x86_64 bench`), latest run: {res['date'][:10]}, {res.get('qemu_version') or 'QEMU ?'}, "
             f"-cpu EPYC (AMD SVM, nested paging, no decode assists), commit {(res.get('git_commit') or '?')[:12]}"
             f"{' (with local changes)' if res.get('git_dirty') else ''}.",
             "", "| benchmark | cvisor | bare QEMU |", "|---|---|---|"]
    for label, key, kind, bare_key in README_ROWS:
        v, b = res.get(key), res.get(bare_key) if bare_key else None
        if v is None:
            continue
        if kind == "bytes":
            cell = f"{num(v)} B"
        elif kind == "added" and b is not None:
            cell = f"{num(v)} instr (+{num(v - b)})"
        else:
            cell = f"{num(v)} instr"
        lines.append(f"| {label} | {cell} | {num(b) if bare_key else '—'} |")
    return "\n".join(lines)


def update_readme(res):
    text = bench.README.read_text(encoding="utf-8")
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        return False
    bench.README.write_text(text[:begin + len(README_BEGIN)] + "\n" + readme_table(res) + "\n" + text[end:],
                            encoding="utf-8")
    return True


def main(args, build, cache_dir):
    bench.ARCH = ARCH  # bench.make() passes it to make
    out = build / "bench" / ARCH
    logs = out / "logs"
    iters, rounds = (2000, 20) if args.quick else (20000, 200)
    t0 = time.monotonic()
    try:
        images = build_all(build, cache_dir, max(1, args.jobs), iters, rounds)
        bench.log(f"running: x86_64 microbenchmarks under cvisor and bare QEMU (iters={iters}, rounds={rounds})")
        micro = {env: run_micro(env, images, iters, rounds, logs, 120) for env in ("cvisor", "bare")}
    except bench.BenchError as e:
        print(f"bench: error: {e}", flush=True)
        return 1
    cv, bare = micro["cvisor"], micro["bare"]
    res = {
        "arch": ARCH,
        "hypercall_instructions": cv["hypercall"],
        "int_roundtrip_instructions": cv["int_roundtrip"],
        "int_roundtrip_bare_instructions": bare["int_roundtrip"],
        "pio_read_instructions": cv["pio_read"],
        "pio_read_bare_instructions": bare["pio_read_bare"],
        "mmio_read_instructions": cv["mmio_read"],
        "mmio_read_bare_instructions": bare["mmio_read_bare"],
        "timer_irq_latency_instructions": cv["timer_irq_latency"],
        "timer_irq_latency_bare_instructions": bare["timer_irq_latency"],
        "ipi_latency_instructions": cv["ipi_latency"],
        "ipi_latency_bare_instructions": bare["ipi_latency"],
        "ipi_roundtrip_instructions": cv["ipi_roundtrip"],
        "ipi_roundtrip_bare_instructions": bare["ipi_roundtrip"],
        "empty_loop_instructions": cv["empty_loop"],
        "empty_loop_bare_instructions": bare["empty_loop"],
        "hv_binary_bytes": images["empty"].stat().st_size,
        "micro_iterations": iters,
        "micro_rounds": rounds,
        "quick": args.quick,
        "icount": bench.ICOUNT,
        "qemu_version": bench.qemu_version(),
        "git_commit": bench.git_commit(),
        "git_dirty": bench.git_dirty(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    for key in ("timer_irq_latency", "ipi_latency", "ipi_roundtrip"):
        res[f"{key}_added_instructions"] = res[f"{key}_instructions"] - res[f"{key}_bare_instructions"]
    json_path = out / ("results-quick.json" if args.quick else "results.json")
    json_path.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print()
    print(readme_table(res))
    print()
    print("Values are instructions (QEMU -icount shift=0: the TSC advances once per instruction), means over the "
          "iterations or rounds; bare is the same guest on QEMU without cvisor.")
    if not args.quick:
        print("README.md: x86_64 performance table updated" if update_readme(res)
              else "README.md: no x86_64 bench-table markers, table not written")
    print(f"results: {json_path}; QEMU logs: {logs}; {time.monotonic() - t0:.0f} s")
    return 0
