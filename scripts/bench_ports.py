"""`make ARCH=x86_64 bench` and `make ARCH=riscv64 bench` (docs/bench.md, "x86_64", "riscv64"):
scripts/bench.py's suites for the other ports, with the same method (-icount shift=0,sleep=off:
every number is a count of instructions) and the same helpers (building through make, running
QEMU). Each suite runs its bench guest (guests/bench/main-<arch>.c) under cvisor and on bare QEMU.

x86_64, AMD SVM (QEMU q35, -cpu EPYC, TCG):

The bench guest (guests/bench/main-x86_64.c) runs under cvisor (configs/vms/bench-x86_64.toml,
2 vCPUs on pCPUs 0 and 1, virtual local and I/O APICs) and on bare QEMU (`-kernel bench.bin`,
QEMU's multiboot loader). Its iteration counts travel on the multiboot command line: `-append`
bare, and the VM config's cmdline under cvisor, so this script writes a copy of the config with
the counts in it (build/bench/x86_64/bench-x86_64.toml).

Rows: VMMCALL round trip (bare: INT/IRETQ), port-I/O exit round trip (a read of the 16550's
scratch register), emulated MMIO read (local APIC version register), APIC timer interrupt
latency and IPI latency beside bare, Debian's Linux booting to /init under cvisor
(configs/vms/linux-x86_64.toml) beside the same bzImage and initramfs under bare QEMU's
`-kernel` (same machine and -cpu, the config's command line; scripts/bench.py's Linux runs: guest
time, median of 5, one in quick runs), and the size of the hypervisor built without VMs. A full
run writes README.md's x86_64 table (its own markers) and build/bench/x86_64/results.json.

riscv64 (QEMU virt, H extension, Sstc): the guest in VS-mode under cvisor (configs/vms/
bench-riscv64.toml, two vCPUs on harts 0 and 1) and in S-mode above OpenSBI bare (`-bios default
-smp 2 -kernel bench.bin`): the SBI null call (BASE get_spec_version) answered by cvisor against
the same call answered by OpenSBI, cvisor's HC_NULL, an emulated MMIO read (the vPLIC; bare:
QEMU's PLIC), the Sstc timer interrupt latency and the IPI (SBI IPI to the other hart, started
through SBI HSM) latency and round trip beside bare, and Debian's Linux booting to /init under
cvisor (configs/vms/linux-riscv64.toml) beside the same Image and initramfs above OpenSBI on bare
QEMU (`-kernel`, the config's command line), as for x86_64. The device interrupt (the goldfish
RTC's alarm) twice: through the vPLIC on that machine, and on the AIA machine (board
qemu-riscv64-virt-aia: configs/vms/bench-aia-riscv64.toml, interrupt passthrough, -smp 3; bare
-smp 2 on the same machine) through the IMSIC interrupt file.
"""
import datetime
import json
import re
import time

import bench  # scripts/bench.py: make, run_qemu, parse helpers, README handling


class Goal:
    """A row's goal: the largest ratio to bare (strict: below it), and where it comes from when it
    is not issue 17 (the table's goal column names it). A plain number is issue 17's ≤ bound."""

    def __init__(self, bound, strict=False, source=None):
        self.bound, self.strict, self.source = bound, strict, source

    @staticmethod
    def of(g):
        return g if isinstance(g, Goal) else Goal(g)

    def met(self, ratio):
        return ratio is not None and (ratio < self.bound if self.strict else ratio <= self.bound)

    def text(self, ascii_only=False):
        op = "<" if self.strict else "<=" if ascii_only else "≤"
        x = "x" if ascii_only else "×"
        return f"{op} {self.bound}{x} bare" + (f" ({self.source})" if self.source else "")


class Suite:
    """One port's benchmarks: its bench VM config, how bare QEMU runs the guest, the results the
    guest must print, README's rows (label, key of the cvisor value, kind, key of the bare
    value), and how the iteration counts reach the guest (params: through the config's cmdline
    and -append; else the guest's defaults, the same in quick runs)."""

    def __init__(self, arch, config, bare_smp, bare_params, required, rows, results, title, goals=None,
                 linux=None, micro_qemu=(), aia=None):
        self.arch, self.config, self.bare_smp, self.bare_params = arch, config, bare_smp, bare_params
        self.micro_qemu = list(micro_qemu)  # more QEMU options for the microbenchmark runs (both envs)
        self.goals = goals or {}  # key: the largest ratio to bare issue 17 allows
        # The Linux boot to /init: (VM config, kernel file in the guest-image cache), or None.
        self.linux = linux
        # More runs on another board: env -> (platform, smp, VM config for cvisor or None for bare,
        # the results it must print); riscv64's AIA machine (docs/bench.md, "Device interrupt
        # through the IMSIC").
        self.aia = aia or {}
        self.hv_smp = max(bare_smp, 1)  # the bench VM's vCPUs, one pCPU each
        self.required, self.rows, self.results, self.title = required, rows, results, title
        self.begin = f"<!-- bench-table {arch}: written by `make ARCH={arch} bench` (scripts/bench_ports.py) -->"
        self.end = f"<!-- bench-table {arch} end -->"


X86_64 = Suite(
    "x86_64", "configs/vms/bench-x86_64.toml", 2, True,
    {"cvisor": ["empty_loop", "hypercall", "int_roundtrip", "pio_read", "mmio_read", "timer_irq_latency",
                "ipi_latency", "ipi_roundtrip"],
     "bare": ["empty_loop", "int_roundtrip", "pio_read_bare", "mmio_read_bare", "timer_irq_latency", "ipi_latency",
              "ipi_roundtrip"]},
    [("null hypercall round trip (HC_NULL over VMMCALL; bare: INT 0x80 and IRETQ)", "hypercall_instructions",
      "instr", "int_roundtrip_bare_instructions"),
     ("port-I/O exit round trip (IN from the emulated 16550's scratch register)", "pio_read_instructions", "instr",
      "pio_read_bare_instructions"),
     ("emulated MMIO read (virtual local APIC version register, decoded in software)", "mmio_read_instructions",
      "instr", "mmio_read_bare_instructions"),
     ("APIC timer IRQ latency, one-shot: initial-count write + count to guest handler",
      "timer_irq_latency_instructions", "added", "timer_irq_latency_bare_instructions"),
     ("IPI latency, ICR write to handler on the other vCPU", "ipi_latency_instructions", "added",
      "ipi_latency_bare_instructions"),
     ("IPI round trip, ICR write to the answer's handler", "ipi_roundtrip_instructions", "added",
      "ipi_roundtrip_bare_instructions"),
     ("Debian Linux boot to /init (guest time, median; cvisor includes its own setup; bare: QEMU -kernel)",
      "linux_boot_seconds", "seconds", "linux_boot_bare_seconds"),
     ("hypervisor binary, no VM embedded", "hv_binary_bytes", "bytes", None)],
    {"hypercall_instructions": ("cvisor", "hypercall"),
     "int_roundtrip_instructions": ("cvisor", "int_roundtrip"),
     "int_roundtrip_bare_instructions": ("bare", "int_roundtrip"),
     "pio_read_instructions": ("cvisor", "pio_read"), "pio_read_bare_instructions": ("bare", "pio_read_bare"),
     "mmio_read_instructions": ("cvisor", "mmio_read"), "mmio_read_bare_instructions": ("bare", "mmio_read_bare"),
     "timer_irq_latency_instructions": ("cvisor", "timer_irq_latency"),
     "timer_irq_latency_bare_instructions": ("bare", "timer_irq_latency"),
     "ipi_latency_instructions": ("cvisor", "ipi_latency"), "ipi_latency_bare_instructions": ("bare", "ipi_latency"),
     "ipi_roundtrip_instructions": ("cvisor", "ipi_roundtrip"),
     "ipi_roundtrip_bare_instructions": ("bare", "ipi_roundtrip"),
     "empty_loop_instructions": ("cvisor", "empty_loop"), "empty_loop_bare_instructions": ("bare", "empty_loop")},
    "-cpu EPYC (AMD SVM, nested paging, no decode assists)",
    linux=("configs/vms/linux-x86_64.toml", "linux-x86_64.bzImage"))

RISCV64 = Suite(
    "riscv64", "configs/vms/bench-riscv64.toml", 2, False,
    {"cvisor": ["empty_loop", "sbi_null_call", "hypercall", "mmio_read", "timer_irq_latency", "ext_irq_latency",
                "ext_irq_entry_latency", "ipi_latency", "ipi_roundtrip"],
     "bare": ["empty_loop", "sbi_null_call_bare", "mmio_read_bare", "timer_irq_latency", "ext_irq_latency",
              "ext_irq_entry_latency", "ipi_latency", "ipi_roundtrip"]},
    [("SBI null call round trip (BASE get_spec_version; bare: answered by OpenSBI 1.1)", "sbi_null_call_instructions",
      "ratio", "sbi_null_call_bare_instructions"),
     ("cvisor's HC_NULL over SBI", "hypercall_instructions", "instr", None),
     ("emulated MMIO read (vPLIC source priority; bare: QEMU's PLIC)", "mmio_read_instructions", "instr",
      "mmio_read_bare_instructions"),
     ("supervisor timer IRQ latency with Sstc (stimecmp deadline to guest handler, vCPU in WFI)",
      "timer_irq_latency_instructions", "ratio", "timer_irq_latency_bare_instructions"),
     ("device IRQ latency through the PLIC (passed-through goldfish RTC alarm to the guest handler's claim; "
      "cvisor: host PLIC, forwarded through the vPLIC)", "ext_irq_latency_instructions", "ratio",
      "ext_irq_latency_bare_instructions"),
     ("device IRQ latency, the same to the handler's entry (before its claim)", "ext_irq_entry_latency_instructions",
      "ratio", "ext_irq_entry_latency_bare_instructions"),
     ("device IRQ latency through the AIA (the same alarm to the handler's stopei claim; -M virt,aia=aplic-imsic; "
      "cvisor: interrupt passthrough, the APLIC's MSI into the vCPU's IMSIC guest file; bare: the S-level file)",
      "ext_irq_aia_latency_instructions", "ratio", "ext_irq_aia_latency_bare_instructions"),
     ("device IRQ latency through the AIA, to the handler's entry", "ext_irq_aia_entry_latency_instructions",
      "ratio", "ext_irq_aia_entry_latency_bare_instructions"),
     ("IPI latency, SBI IPI send to handler on the other vCPU (bare: through OpenSBI)", "ipi_latency_instructions",
      "added", "ipi_latency_bare_instructions"),
     ("IPI round trip, SBI IPI send to the answer's handler", "ipi_roundtrip_instructions", "added",
      "ipi_roundtrip_bare_instructions"),
     ("Debian Linux boot to /init (guest time, median; cvisor includes its own setup; bare: above OpenSBI)",
      "linux_boot_seconds", "seconds", "linux_boot_bare_seconds"),
     ("hypervisor binary, no VM embedded", "hv_binary_bytes", "bytes", None)],
    {"sbi_null_call_instructions": ("cvisor", "sbi_null_call"),
     "sbi_null_call_bare_instructions": ("bare", "sbi_null_call_bare"),
     "hypercall_instructions": ("cvisor", "hypercall"),
     "mmio_read_instructions": ("cvisor", "mmio_read"), "mmio_read_bare_instructions": ("bare", "mmio_read_bare"),
     "timer_irq_latency_instructions": ("cvisor", "timer_irq_latency"),
     "timer_irq_latency_bare_instructions": ("bare", "timer_irq_latency"),
     "ext_irq_latency_instructions": ("cvisor", "ext_irq_latency"),
     "ext_irq_latency_bare_instructions": ("bare", "ext_irq_latency"),
     "ext_irq_entry_latency_instructions": ("cvisor", "ext_irq_entry_latency"),
     "ext_irq_entry_latency_bare_instructions": ("bare", "ext_irq_entry_latency"),
     "ext_irq_aia_latency_instructions": ("cvisor-aia", "ext_irq_latency"),
     "ext_irq_aia_latency_bare_instructions": ("bare-aia", "ext_irq_latency"),
     "ext_irq_aia_entry_latency_instructions": ("cvisor-aia", "ext_irq_entry_latency"),
     "ext_irq_aia_entry_latency_bare_instructions": ("bare-aia", "ext_irq_entry_latency"),
     "ipi_latency_instructions": ("cvisor", "ipi_latency"), "ipi_latency_bare_instructions": ("bare", "ipi_latency"),
     "ipi_roundtrip_instructions": ("cvisor", "ipi_roundtrip"),
     "ipi_roundtrip_bare_instructions": ("bare", "ipi_roundtrip"),
     "empty_loop_instructions": ("cvisor", "empty_loop"), "empty_loop_bare_instructions": ("bare", "empty_loop")},
    "-cpu rv64 (H, Sstc), OpenSBI 1.1 for bare",
    # Issue 17's goals for riscv64: the SBI null call <= 1.5x OpenSBI's, the Sstc timer <= 1.2x
    # bare, Linux to /init <= 1.05x bare. Issue 14's: a device interrupt through the PLIC below
    # the 9.3x bare that Bao's RISC-V paper reports for its trap-and-emulate PLIC.
    {"sbi_null_call_instructions": 1.5, "timer_irq_latency_instructions": 1.2, "linux_boot_seconds": 1.05,
     "ext_irq_latency_instructions": Goal(9.3, strict=True, source="Bao's trap-and-emulate PLIC"),
     "ext_irq_aia_latency_instructions": Goal(9.3, strict=True, source="Bao's trap-and-emulate PLIC")},
    linux=("configs/vms/linux-riscv64.toml", "linux-riscv64.Image"),
    # The goldfish RTC on QEMU's virtual clock: under -icount its time and alarms are instructions
    # (the external-interrupt benchmark; on the host's clock its alarm would come at a wall-clock
    # instant and its stamps mean nothing).
    micro_qemu=["-rtc", "clock=vm"],
    # The AIA machine: cvisor with the bench VM in interrupt passthrough (3 pCPUs: the VM owns two,
    # the hypervisor keeps pCPU 0), bare above OpenSBI with 2 harts.
    aia={"cvisor-aia": ("qemu-riscv64-virt-aia", 3, "configs/vms/bench-aia-riscv64.toml",
                        ["ext_irq_latency", "ext_irq_entry_latency"]),
         "bare-aia": ("qemu-riscv64-virt-aia", 2, None, ["ext_irq_latency", "ext_irq_entry_latency"])})

SUITES = {s.arch: s for s in (X86_64, RISCV64)}


def ratio_key(key):
    """The result key of a row's ratio to bare (what its goal bounds)."""
    return "linux_boot_ratio" if key == "linux_boot_seconds" else key.replace("_instructions", "_ratio")


def config_with_counts(suite, out, iters, rounds):
    """The bench VM config with the iteration counts in its cmdline."""
    text = (bench.REPO / suite.config).read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^cmdline = ".*"$', f'cmdline = "iters={iters} rounds={rounds}"', text)
    if n != 1:
        raise bench.BenchError(f"{suite.config}: no cmdline line to put the iteration counts in")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{suite.arch}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_cmdline(config):
    """The kernel command line a VM config gives its guest (bare QEMU's -append: the same)."""
    m = re.search(r'(?m)^cmdline = "(.*)"', (bench.REPO / config).read_text(encoding="utf-8"))
    if not m:
        raise bench.BenchError(f"{config}: no cmdline")
    return m.group(1)


def build_all(suite, build, cache_dir, jobs, iters, rounds):
    out = build / "bench" / suite.arch
    config = config_with_counts(suite, out, iters, rounds) if suite.bare_params else bench.REPO / suite.config
    images = {"bench": out / "hv" / "cvisor.bin", "guest": build / "guests" / suite.arch / "bench.bin",
              "empty": out / "empty" / "cvisor.bin"}
    bench.log(f"building: cvisor with the {suite.arch} bench VM, the bench guest")
    bench.make(["APP=hv", f"VM_CONFIGS={config}", f"IMAGE_DIR={out / 'hv'}", "build", str(images["guest"])],
               "the bench image", build, cache_dir, jobs)
    bench.log("building: cvisor with no VM config")
    bench.make(["APP=hv", "VM_CONFIGS=", f"IMAGE_DIR={out / 'empty'}", "build"], "the empty image", build,
               cache_dir, jobs)
    if suite.linux:
        images["linux"] = out / "linux" / "cvisor.bin"
        bench.log("building: cvisor with the Linux VM")
        bench.make(["APP=hv", f"VM_CONFIGS={suite.linux[0]}", f"IMAGE_DIR={out / 'linux'}", "build"],
                   "the Linux image", build, cache_dir, jobs)
    for env, (platform, _, aia_config, _) in suite.aia.items():
        if aia_config:
            images[env] = out / env / "cvisor.bin"
            bench.log(f"building: cvisor for {platform} with {aia_config}")
            bench.make(["APP=hv", f"PLATFORM={platform}", f"VM_CONFIGS={aia_config}", f"IMAGE_DIR={out / env}",
                        "build"], f"the {env} image", build, cache_dir, jobs)
    for name, path in images.items():
        if not path.is_file():
            raise bench.BenchError(f"the build did not produce {path} ({name})")
    return images


def run_micro(suite, env, images, iters, rounds, logs, timeout):
    platform, smp, aia_config, required = suite.aia.get(env, (None, 0, None, None))
    machine = bench.qemu.machine(suite.arch, platform=platform, bare=env.startswith("bare"))
    if env in suite.aia:
        image = images[env] if aia_config else images["guest"]
        cmd = machine + ["-smp", str(smp), "-m", bench.HV_MEM if aia_config else "256M", "-icount", bench.ICOUNT,
                         "-kernel", str(image)]
    elif env == "cvisor":
        cmd = machine + ["-smp", str(suite.hv_smp), "-m", bench.HV_MEM, "-icount", bench.ICOUNT, "-kernel",
                         str(images["bench"])]
    else:
        cmd = machine + ["-smp", str(suite.bare_smp), "-m", "256M", "-icount", bench.ICOUNT, "-kernel",
                         str(images["guest"])]
        if suite.bare_params:
            cmd += ["-append", f"iters={iters} rounds={rounds}"]
    cmd += suite.micro_qemu
    log_path = logs / f"micro-{suite.arch}-{env}.log"
    text, status, timed_out = bench.run_qemu(cmd, timeout, log_path=log_path)
    if timed_out:
        raise bench.BenchError(f"{env} microbenchmarks: QEMU did not finish in {timeout} s (see {log_path})")
    if status != 0:
        raise bench.BenchError(f"{env} microbenchmarks: QEMU exited with status {status} (see {log_path})")
    saved = bench.REQUIRED_MICRO.get(env)
    bench.REQUIRED_MICRO[env] = required if env in suite.aia else suite.required[env]
    try:
        return bench.parse_micro(text, env, log_path)
    finally:
        bench.REQUIRED_MICRO[env] = saved


def readme_table(suite, res):
    def num(v):
        return "-" if v is None else f"{round(v):,}" if v == int(v) else f"{v:,.1f}"

    goals = bool(suite.goals)
    lines = [f"{suite.arch} (`make ARCH={suite.arch} bench`), latest run: {res['date'][:10]}, "
             f"{res.get('qemu_version') or 'QEMU ?'}, {suite.title}, commit {(res.get('git_commit') or '?')[:12]}"
             f"{' (with local changes)' if res.get('git_dirty') else ''}.", ""]
    lines += ["| benchmark | cvisor | bare QEMU | goal (issue 17 unless named) | met |", "|---|---|---|---|---|"] if goals else \
        ["| benchmark | cvisor | bare QEMU |", "|---|---|---|"]
    for label, key, kind, bare_key in suite.rows:
        v, b = res.get(key), res.get(bare_key) if bare_key else None
        if v is None:
            continue
        if kind == "bytes":
            cell = f"{num(v)} B"
        elif kind == "added" and b is not None:
            cell = f"{num(v)} instr (+{num(v - b)})"
        elif kind == "seconds":
            cell = f"{v:.3f} s" + (f" ({v / b:.3f}×)" if b else "")
            row = f"| {label} | {cell} | {'-' if b is None else f'{b:.3f} s'} |"
            lines.append(row + (goal_cells(suite.goals.get(key), v, b) if goals else ""))
            continue
        elif kind == "ratio" and b:
            cell = f"{num(v)} instr ({v / b:.2f}×)"
        else:
            cell = f"{num(v)} instr"
        row = f"| {label} | {cell} | {num(b) if bare_key else '—'} |"
        if goals:
            row += goal_cells(suite.goals.get(key), v, b)
        lines.append(row)
    return "\n".join(lines)


def goal_cells(g, v, b):
    """The goal and met cells of a row whose values are v (cvisor) and b (bare)."""
    if g is None:
        return " — | — |"
    g = Goal.of(g)
    return f" {g.text()} | {'—' if not b else 'yes' if g.met(v / b) else 'no'} |"


def update_readme(suite, res):
    text = bench.README.read_text(encoding="utf-8")
    begin, end = text.find(suite.begin), text.find(suite.end)
    if begin < 0 or end < begin:
        return False
    bench.README.write_text(text[:begin + len(suite.begin)] + "\n" + readme_table(suite, res) + "\n" + text[end:],
                            encoding="utf-8")
    return True


def main(args, build, cache_dir):
    suite = SUITES[args.arch]
    bench.ARCH = suite.arch  # bench.make() passes it to make
    out = build / "bench" / suite.arch
    logs = out / "logs"
    iters, rounds = (2000, 20) if args.quick and suite.bare_params else (20000, 200)
    t0 = time.monotonic()
    try:
        images = build_all(suite, build, cache_dir, max(1, args.jobs), iters, rounds)
        bench.log(f"running: {suite.arch} microbenchmarks under cvisor and bare QEMU (iters={iters}, rounds={rounds})")
        micro = {env: run_micro(suite, env, images, iters, rounds, logs, 120)
                 for env in ("cvisor", "bare", *suite.aia)}
        linux = None
        if suite.linux:
            runs = 1 if args.quick else 5
            bench.log(f"running: Linux boot to /init, {runs} run(s) each under cvisor and bare QEMU")
            linux = bench.run_linux(images, cache_dir, runs, logs, 300, max(1, args.jobs), kernel=suite.linux[1],
                                    append=config_cmdline(suite.linux[0]))
    except bench.BenchError as e:
        print(f"bench: error: {e}", flush=True)
        return 1
    res = {"arch": suite.arch}
    for key, (env, name) in suite.results.items():
        res[key] = micro[env][name]
    if linux:
        res.update(bench.linux_results(linux))
    res.update({
        "hv_binary_bytes": images["empty"].stat().st_size,
        "micro_iterations": iters,
        "micro_rounds": rounds,
        "quick": args.quick,
        "icount": bench.ICOUNT,
        "qemu_version": bench.qemu_version(),
        "git_commit": bench.git_commit(),
        "git_dirty": bench.git_dirty(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    })
    for key in ("timer_irq_latency", "ext_irq_latency", "ext_irq_entry_latency", "ipi_latency", "ipi_roundtrip",
                "sbi_null_call", "ext_irq_aia_latency", "ext_irq_aia_entry_latency"):
        if f"{key}_instructions" in res and f"{key}_bare_instructions" in res:
            res[f"{key}_added_instructions"] = res[f"{key}_instructions"] - res[f"{key}_bare_instructions"]
            res[f"{key}_ratio"] = res[f"{key}_instructions"] / res[f"{key}_bare_instructions"] \
                if res[f"{key}_bare_instructions"] else None
    res["goals"] = {k: {"goal": Goal.of(g).text(ascii_only=True), "met": Goal.of(g).met(res.get(ratio_key(k)))}
                    for k, g in suite.goals.items() if k in res}
    json_path = out / ("results-quick.json" if args.quick else "results.json")
    json_path.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print()
    print(readme_table(suite, res))
    print()
    print("Values are instructions (QEMU -icount shift=0: one instruction per ns of guest time), means over the "
          "iterations or rounds; bare is the same guest on QEMU without cvisor.")
    if res.get("linux_boot_ratio") is not None:
        printk = res.get("linux_boot_ratio_printk")
        print(f"Linux boot to /init, cvisor / bare QEMU: {res['linux_boot_ratio']:.4f} (median of "
              f"{res['linux_boot_runs']}; cvisor's own setup {res['linux_hv_setup_seconds']:.3f} s)"
              + (f"; from the kernel's 'Run /init' timestamp: {printk:.4f}" if printk else ""))
    if not args.quick:
        print(f"README.md: {suite.arch} performance table updated" if update_readme(suite, res)
              else f"README.md: no {suite.arch} bench-table markers, table not written")
    print(f"results: {json_path}; QEMU logs: {logs}; {time.monotonic() - t0:.0f} s")
    return 0
