#!/usr/bin/python3
"""cvisor benchmarks (make bench / make bench-smoke; see docs/bench.md).

Builds what it needs through make, then runs under QEMU with instruction counting
(-icount shift=0,sleep=off: guest-visible time advances 1 ns per executed instruction, and idle
time is skipped instead of following the host's clock, so every number is a deterministic count
of instructions):

  * the guest microbenchmarks (guests/bench) under cvisor and directly on QEMU at EL1 (bare);
  * the same on a GICv2 host (QEMU gic-version=2), with the guest's GICv2 build (bench-gicv2):
    bare, under cvisor with the emulated vGICv2 (hardware GICV frame), and under cvisor with
    interrupt_mode = "passthrough";
  * Debian's Linux booting to /init, under cvisor and bare;
  * the size of the hypervisor image built with no VM config;
  * the scale experiment (scripts/bench_scale.py): 1, 2, 4 and 8 one-vCPU bench VMs on 4 pCPUs
    (quick runs: 1 and 2), and the hypervisor's RAM per VM and per vCPU from its allocators;
  * full runs only (not --quick, so not in `make test`): virtio-blk sequential read and write in
    Debian's Linux under cvisor and on bare QEMU, and VM-to-VM network throughput
    (scripts/bench_io.py). These run without -icount and are MB/s of wall-clock time.

Prints a table and writes BUILD/bench/results.json (results-quick.json with --quick). Exits
non-zero when a value is missing or unparseable, never because a goal is missed.

usage: /usr/bin/python3 scripts/bench.py [--arch ARCH] [--quick] [--build DIR] [--cache-dir DIR] [--jobs N]

An architecture is benchmarked once it has its bench VM config (configs/vms/bench-<arch>.toml)
and bench guest; today that is aarch64, x86_64 and riscv64 (their suites: scripts/bench_ports.py),
and other architectures are refused with a clear "not ported yet".
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # one module for the suites that `import bench` (bench_scale, bench_ports)
    sys.modules.setdefault("bench", sys.modules[__name__])

import bench_io  # the wall-clock I/O throughput runs
import bench_scale  # 1 to 8 VMs on 4 pCPUs, the hypervisor's RAM per VM and per vCPU
import qemu  # the platform's QEMU command line (scripts/qemu.py)

REPO = Path(__file__).resolve().parents[1]
ARCH = "aarch64"  # set from --arch in main(); the names below follow it
# sleep=off: when every CPU idles (WFI), QEMU jumps the clock to the next timer deadline
# instead of letting it follow host time; otherwise a timer-interrupt latency would include
# however long the host took to notice the deadline (tens of microseconds, varying).
ICOUNT = "shift=0,sleep=off"
BENCH_CONFIG = "configs/vms/bench-aarch64.toml"
BENCH_GICV2_EMU_CONFIG = "configs/vms/bench-gicv2-emu-aarch64.toml"
BENCH_GICV2_PT_CONFIG = "configs/vms/bench-gicv2-pt-aarch64.toml"
LINUX_CONFIG = "configs/vms/linux-aarch64.toml"
SHMEM_CONFIGS = "configs/vms/shmem-ping-aarch64.toml:configs/vms/shmem-pong-aarch64.toml"
LINUX_APPEND = "console=ttyAMA0 earlycon=pl011,0x09000000 rdinit=/init"


def ported(arch):
    """An architecture is ported to `make bench` once its bench VM config exists."""
    return (REPO / "configs" / "vms" / f"bench-{arch}.toml").exists()
HV_MEM = "2G"  # as `make run`

GOALS = {  # key in results.json: (comparison, limit, text). Issue 17: half of Bao's cost.
    "hypercall_instructions": ("<=", 95, "<= 95"),
    "mmio_read_instructions": ("<=", 112, "<= 112"),
    "timer_irq_added_instructions": ("<=", 100, "<= +100"),
    "ipi_added_instructions": ("<=", 394, "<= +394"),
    "stage2_fault_in_instructions": ("<=", 400, "<= 400"),
    "timer_irq_added_gicv2_emu_instructions": ("<=", 150, "<= +150"),
    "linux_boot_ratio": ("<=", 1.02, "ratio <= 1.02"),
    "hv_binary_bytes": ("<=", 192 * 1024, "<= 192 KiB"),
}

# Microbenchmark names the guest must report, per run. The gicv2-* runs use the GICv2 build of
# the guest on a GICv2 host; it has no stage-2 fault-in benchmark, and the passthrough VM has
# one vCPU, so no IPI benchmarks there (docs/bench.md).
REQUIRED_MICRO = {
    "cvisor": ["empty_loop", "hypercall", "svc_roundtrip", "mmio_read", "timer_irq_latency", "ipi_latency",
               "ipi_roundtrip", "stage2_fault_in"],
    "bare": ["empty_loop", "svc_roundtrip", "mmio_read_bare", "timer_irq_latency", "ipi_latency",
             "ipi_roundtrip", "stage2_fault_in_bare"],
    "gicv2-bare": ["empty_loop", "svc_roundtrip", "mmio_read_bare", "timer_irq_latency", "ipi_latency",
                   "ipi_roundtrip"],
    "gicv2-emu": ["empty_loop", "hypercall", "svc_roundtrip", "mmio_read", "timer_irq_latency", "ipi_latency",
                  "ipi_roundtrip"],
    "gicv2-passthrough": ["empty_loop", "hypercall", "svc_roundtrip", "mmio_read", "timer_irq_latency",
                          "ipi_latency", "ipi_roundtrip"],
}
MICRO_RUNS = list(REQUIRED_MICRO)

BENCH_LINE = re.compile(r"BENCH name=(\S+) value=(\S+) unit=(\S+)(.*)")
INIT_LINE = re.compile(r"cvisor-guest: init started, uptime ([0-9.]+)\s")
HV_VM_LINE = re.compile(r"\[\s*([0-9]+\.[0-9]+)\] cpu0 I: vm1 'linux': ")
RUN_INIT_LINE = re.compile(r"\[\s*([0-9]+\.[0-9]+)\] Run /init as init process")


class BenchError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


# ---- building ----------------------------------------------------------------------------------

def make_env():
    """The environment of the sub-makes: without the calling make's flags, so `make bench LOG=...`
    or a -j jobserver do not leak into the images measured (everything is passed explicitly)."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS"):
        env.pop(k, None)
    return env


def make(args, what, build, cache_dir, jobs):
    cmd = ["make", "-s", f"-j{jobs}", "CONFIG_MK=", f"BUILD={build}", f"CACHE_DIR={cache_dir}", f"ARCH={ARCH}", "LOG=info"]
    cmd += args
    r = subprocess.run(cmd, cwd=REPO, env=make_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"building {what} failed: {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return r


def build_all(build, cache_dir, jobs):
    out = build / "bench"
    guest_elf = build / "guests" / ARCH / "bench.elf"
    guest_gicv2_elf = build / "guests" / ARCH / "bench-gicv2.elf"
    images = {
        "bench": out / "hv" / "cvisor.bin",
        "bench_gicv2_emu": out / "hv-gicv2-emu" / "cvisor.bin",
        "bench_gicv2_pt": out / "hv-gicv2-pt" / "cvisor.bin",
        "linux": out / "linux" / "cvisor.bin",
        "empty": out / "empty" / "cvisor.bin",
        "guest_elf": guest_elf,
        "guest_gicv2_elf": guest_gicv2_elf,
    }
    log("building: cvisor with the bench VM, the bench guest ELFs (GICv3 and GICv2 builds)")
    make(["APP=hv", f"VM_CONFIGS={BENCH_CONFIG}", f"IMAGE_DIR={out / 'hv'}", "build", str(guest_elf),
          str(guest_gicv2_elf)], "the bench image", build, cache_dir, jobs)
    log("building: cvisor with the GICv2 bench VMs (emulated vGICv2, interrupt passthrough)")
    make(["APP=hv", f"VM_CONFIGS={BENCH_GICV2_EMU_CONFIG}", f"IMAGE_DIR={out / 'hv-gicv2-emu'}", "build"],
         "the GICv2 emu bench image", build, cache_dir, jobs)
    make(["APP=hv", f"VM_CONFIGS={BENCH_GICV2_PT_CONFIG}", f"IMAGE_DIR={out / 'hv-gicv2-pt'}", "build"],
         "the GICv2 passthrough bench image", build, cache_dir, jobs)
    log("building: cvisor with the shared-memory pair (guests/shmem)")
    make(["APP=hv", f"VM_CONFIGS={SHMEM_CONFIGS}", f"IMAGE_DIR={out / 'shmem'}", "build"],
         "the shared-memory image", build, cache_dir, jobs)
    images["shmem"] = out / "shmem" / "cvisor.bin"
    log("building: cvisor with the Linux VM")
    make(["APP=hv", f"VM_CONFIGS={LINUX_CONFIG}", f"IMAGE_DIR={out / 'linux'}", "build"],
         "the Linux image", build, cache_dir, jobs)
    log("building: cvisor with APP_FEATURES=fs and the FAT disk")
    make(["APP=hv", "APP_FEATURES=fs", "VM_CONFIGS=", f"IMAGE_DIR={out / 'fs'}", f"DISK_IMG={out / 'disk.img'}",
          "disk_img", "build"], "the disk image", build, cache_dir, jobs)
    images["fs"] = out / "fs" / "cvisor.bin"
    images["disk"] = out / "disk.img"
    log("building: cvisor with no VM config")
    make(["APP=hv", "VM_CONFIGS=", f"IMAGE_DIR={out / 'empty'}", "build"], "the empty image",
         build, cache_dir, jobs)
    for name, path in images.items():
        if not path.is_file():
            raise BenchError(f"the build did not produce {path} ({name})")
    return images


# ---- running QEMU -------------------------------------------------------------------------------

def run_qemu(cmd, timeout, until=None, log_path=None):
    """Runs QEMU with its console on a pipe. Stops it once `until` (a compiled regex) matches the
    output, or after `timeout` seconds. Returns (output, exit status or None, timed_out)."""
    p = subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    chunks = []
    text = ""
    deadline = time.monotonic() + timeout
    timed_out = matched = False
    fd = p.stdout.fileno()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                break  # QEMU closed its output: it is exiting
            chunks.append(data)
            if until is not None:
                text = b"".join(chunks).decode("utf-8", "replace")
                if until.search(text):
                    matched = True
                    break
    finally:
        if p.poll() is None and (timed_out or matched):
            os.killpg(p.pid, signal.SIGTERM)
        try:
            status = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            status = p.wait()
        p.stdout.close()
    text = b"".join(chunks).decode("utf-8", "replace")
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(text, encoding="utf-8")
    return text, (None if matched or timed_out else status), timed_out


def qemu_hv(image, smp=2, gic=3):
    return qemu.machine(ARCH, gic=gic) + ["-smp", str(smp), "-m", HV_MEM, "-icount", ICOUNT, "-kernel", str(image)]


def qemu_bare(kernel, smp, mem, extra=(), gic=3):
    return qemu.machine(ARCH, gic=gic, bare=True) + ["-smp", str(smp), "-m", mem, "-icount", ICOUNT,
                                                       "-kernel", str(kernel)] + list(extra)


def run_disk_load(images, logs, timeout):
    """Loads Debian's kernel from the FAT disk under icount: MB/s of guest-visible time."""
    cmd = qemu_hv(images["fs"]) + ["-drive", f"if=none,file={images['disk']},format=raw,id=d0",
                                   "-device", "virtio-blk-device,drive=d0"]
    pattern = re.compile(r"fs: loaded /guest/images/linux-aarch64.Image: (\d+) KiB in (\d+) ms")
    text, _, _ = run_qemu(cmd, timeout, until=re.compile(r"vm1 '"), log_path=logs / "disk-load.log")
    m = pattern.search(text)
    if not m:
        raise BenchError(f"no image-load line from the disk run (see {logs / 'disk-load.log'})")
    kib, ms = int(m.group(1)), int(m.group(2))
    return kib * 1024 / 1e6 / (ms / 1000) if ms else None


def run_doorbell(images, logs, timeout):
    """Doorbell round trip between two VMs on their own pCPUs (guests/shmem: ping rings, pong's
    interrupt, pong rings back, ping's interrupt), averaged over the pair's 10,000 messages."""
    pattern = re.compile(r"shmem\(vm1\): doorbell round trip (\d+\.\d) ns")
    text, _, _ = run_qemu(qemu_hv(images["shmem"]), timeout, until=pattern, log_path=logs / "doorbell.log")
    m = pattern.search(text)
    if not m or "0 replies checked bad" not in text:
        raise BenchError(f"no doorbell round trip from the shared-memory pair (see {logs / 'doorbell.log'})")
    return float(m.group(1))


def parse_micro(text, env, log_path):
    """The BENCH lines of one guest run: {name: value}. Raises on errors or missing lines."""
    values = {}
    for line in text.splitlines():
        m = BENCH_LINE.search(line)
        if m:
            try:
                values[m.group(1)] = float(m.group(2))
            except ValueError:
                raise BenchError(f"{env}: unparseable value in {line.strip()!r} (see {log_path})")
    errors = [l.strip() for l in text.splitlines() if "BENCH-ERROR" in l]
    if errors:
        raise BenchError(f"{env}: the guest reported errors (see {log_path}):\n  " + "\n  ".join(errors))
    if not re.search(r"BENCH-END env=\S+ errors=0", text):
        raise BenchError(f"{env}: the guest did not finish (no BENCH-END; see {log_path})")
    missing = [n for n in REQUIRED_MICRO[env] if n not in values]
    if missing:
        raise BenchError(f"{env}: missing results {', '.join(missing)} (see {log_path})")
    return values


def run_micro(env, images, iters, rounds, logs, timeout):
    """One microbenchmark run; env is a key of REQUIRED_MICRO."""
    params = ["-fw_cfg", f"name=opt/cvisor/bench,string=iters={iters} rounds={rounds}"]
    if env == "cvisor":
        cmd = qemu_hv(images["bench"]) + params
    elif env == "bare":
        cmd = qemu_bare(images["guest_elf"], 2, "256M", params)
    elif env == "gicv2-bare":
        cmd = qemu_bare(images["guest_gicv2_elf"], 2, "256M", params, gic=2)
    elif env == "gicv2-emu":
        cmd = qemu_hv(images["bench_gicv2_emu"], gic=2) + params
    elif env == "gicv2-passthrough":
        # A third pCPU: interrupt-passthrough VMs may not hold every pCPU (the console's is kept).
        cmd = qemu_hv(images["bench_gicv2_pt"], smp=3, gic=2) + params
    else:
        raise BenchError(f"unknown microbenchmark run {env!r}")
    log_path = logs / f"micro-{env}.log"
    text, status, timed_out = run_qemu(cmd, timeout, log_path=log_path)
    if timed_out:
        raise BenchError(f"{env} microbenchmarks: QEMU did not finish in {timeout} s (see {log_path})")
    if status != 0:
        raise BenchError(f"{env} microbenchmarks: QEMU exited with status {status} (see {log_path})")
    return parse_micro(text, env, log_path)


def linux_boot_once(env, images, linux_image, initramfs, logs, index, timeout, append=None):
    """Seconds of guest-visible time to /init, or raises. append: bare QEMU's kernel command line
    (the Linux VM config's; LINUX_APPEND by default)."""
    if env == "cvisor":
        cmd = qemu_hv(images["linux"])
    else:
        cmd = qemu_bare(linux_image, 1, "256M", ["-initrd", str(initramfs), "-append", append or LINUX_APPEND])
    log_path = logs / f"linux-{env}-{index}.log"
    text, _, timed_out = run_qemu(cmd, timeout, until=INIT_LINE, log_path=log_path)
    m = INIT_LINE.search(text)
    if not m:
        why = f"no init line in {timeout} s" if timed_out else "QEMU exited before init"
        raise BenchError(f"Linux boot ({env}, run {index + 1}): {why} (see {log_path})")
    run = {"uptime": float(m.group(1))}
    r = RUN_INIT_LINE.search(text)
    run["printk_run_init"] = float(r.group(1)) if r else None
    if env == "cvisor":
        h = HV_VM_LINE.search(text)
        if not h:
            raise BenchError(f"Linux boot (cvisor, run {index + 1}): no \"cpu0 I: vm1 'linux':\" line "
                             f"(see {log_path})")
        run["hv_setup"] = float(h.group(1))
        run["to_init"] = run["hv_setup"] + run["uptime"]
        run["to_init_printk"] = run["hv_setup"] + run["printk_run_init"] if r else None
    else:
        run["to_init"] = run["uptime"]
        run["to_init_printk"] = run["printk_run_init"]
    return run


def run_linux(images, cache_dir, runs, logs, timeout, jobs, kernel=None, append=None):
    """runs boots to /init each under cvisor (images["linux"]) and bare QEMU (the same kernel, from
    the guest-image cache: kernel names the file, linux-ARCH.Image by default, and initramfs)."""
    img_dir = cache_dir / "images" / ARCH
    linux_image, initramfs = img_dir / (kernel or f"linux-{ARCH}.Image"), img_dir / f"initramfs-{ARCH}.cpio.gz"
    for f in (linux_image, initramfs):
        if not f.is_file():
            raise BenchError(f"{f} is missing (run `make guest-images`)")
    tasks = [(env, i) for i in range(runs) for env in ("cvisor", "bare")]
    # Virtual time does not depend on host load (icount, sleep=off), so runs may overlap.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = {t: pool.submit(linux_boot_once, t[0], images, linux_image, initramfs, logs, t[1], timeout, append)
                for t in tasks}
        results = {t: f.result() for t, f in futs.items()}
    out = {}
    for env in ("cvisor", "bare"):
        rs = [results[(env, i)] for i in range(runs)]
        out[env] = rs
    return out


# ---- results -----------------------------------------------------------------------------------

def qemu_version():
    try:
        r = subprocess.run([qemu.machine(ARCH)[0], "--version"], capture_output=True, text=True, timeout=30)
        return r.stdout.splitlines()[0].strip() if r.stdout else None
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit():
    try:
        r = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=30)
        return r.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def git_dirty():
    try:
        r = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                           capture_output=True, text=True, timeout=30)
        return bool(r.stdout.strip()) if r.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def difference(a, b):
    return a - b if a is not None and b is not None else None


def ratio(a, b):
    return a / b if a is not None and b else None


def linux_results(linux):
    """The Linux boot keys from run_linux's runs: guest seconds to /init (medians), their ratio,
    the same from the kernel's 'Run /init' timestamps, cvisor's own setup, the samples."""
    med = {env: statistics.median(r["to_init"] for r in linux[env]) for env in ("cvisor", "bare")}
    printk = {env: [r["to_init_printk"] for r in linux[env] if r["to_init_printk"] is not None]
              for env in ("cvisor", "bare")}
    return {
        "linux_boot_ratio": ratio(med["cvisor"], med["bare"]),
        "linux_boot_seconds": med["cvisor"],
        "linux_boot_bare_seconds": med["bare"],
        "linux_hv_setup_seconds": statistics.median(r["hv_setup"] for r in linux["cvisor"]),
        "linux_boot_ratio_printk": ratio(statistics.median(printk["cvisor"]), statistics.median(printk["bare"]))
        if printk["cvisor"] and printk["bare"] else None,
        "linux_boot_runs": len(linux["cvisor"]),
        "linux_boot_samples": linux,
    }


def goal_met(key, value):
    if key not in GOALS or value is None:
        return None
    op, limit, _ = GOALS[key]
    return value <= limit if op == "<=" else value >= limit


def fmt_num(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, int):
        return str(v)
    return f"{v:.{digits}f}"


# Table rows: label, key of the cvisor value, key of the bare value, digits, key of the goal, and
# optionally True: leave the row out when the cvisor value is missing (not measured).
TABLE = [
    ("hypercall (bare: svc_roundtrip)", "hypercall_instructions", "svc_roundtrip_bare_instructions", 1,
     "hypercall_instructions"),
    ("mmio_read (GICD_TYPER)", "mmio_read_instructions", "mmio_read_bare_instructions", 1,
     "mmio_read_instructions"),
    ("timer_irq_latency", "timer_irq_latency_instructions", "timer_irq_latency_bare_instructions", 1,
     "timer_irq_added_instructions"),
    ("ipi_latency", "ipi_latency_instructions", "ipi_latency_bare_instructions", 1, "ipi_added_instructions"),
    ("stage2 fault-in of a lazy page", "stage2_fault_in_instructions", "stage2_fault_in_bare_instructions", 1,
     "stage2_fault_in_instructions"),
    ("GICv2 host: timer_irq_latency, vGICv2", "timer_irq_latency_gicv2_emu_instructions",
     "timer_irq_latency_gicv2_bare_instructions", 1, "timer_irq_added_gicv2_emu_instructions"),
    ("GICv2 host: timer_irq_latency, passthrough", "timer_irq_latency_gicv2_passthrough_instructions",
     "timer_irq_latency_gicv2_bare_instructions", 1, None),
    ("GICv2 host: ipi_latency, vGICv2", "ipi_latency_gicv2_emu_instructions", "ipi_latency_gicv2_bare_instructions",
     1, None),
    ("GICv2 host: ipi_latency, passthrough", "ipi_latency_gicv2_passthrough_instructions",
     "ipi_latency_gicv2_bare_instructions", 1, None, True),
    ("GICv2 host: mmio_read (GICD_TYPER), vGICv2", "mmio_read_gicv2_emu_instructions",
     "mmio_read_gicv2_bare_instructions", 1, None),
    ("GICv2 host: mmio_read (GICD_TYPER), passthrough", "mmio_read_gicv2_passthrough_instructions",
     "mmio_read_gicv2_bare_instructions", 1, None),
    ("linux_boot to /init (s)", "linux_boot_seconds", "linux_boot_bare_seconds", 3, "linux_boot_ratio"),
    ("hv_binary_bytes (no VM)", "hv_binary_bytes", None, 0, "hv_binary_bytes"),
    ("kernel load from FAT disk (MB/s)", "disk_image_load_mb_per_s", None, 1, None),
    ("doorbell round trip, VM to VM and back", "doorbell_roundtrip_instructions", None, 1, None),
    ("hv RAM per VM (bytes; 2 VMs minus 1, measured)", "hv_bytes_per_vm", None, 0, None),
    ("hv RAM per vCPU (bytes; 2 vCPUs minus 1, measured)", "hv_bytes_per_vcpu", None, 0, None),
    ("virtio-blk seq. write, Linux dd (MB/s, WALL CLOCK)", "blk_write_mb_per_s", "blk_write_bare_mb_per_s", 1,
     None, True),
    ("virtio-blk seq. read, Linux dd (MB/s, WALL CLOCK)", "blk_read_mb_per_s", "blk_read_bare_mb_per_s", 1, None,
     True),
    ("VM-to-VM TCP over virtio-net, nc (MB/s, WALL CLOCK)", "vm_to_vm_net_mb_per_s", None, 2, None, True),
]


def fmt_ratio(r):
    if r is None:
        return "-"
    return f"{r:.3f}" if r < 10 else f"{r:.1f}"


def print_table(res):
    lines = []
    for label, cv_key, bare_key, digits, goal_key, *optional in TABLE:
        cv, bare = res.get(cv_key), res.get(bare_key) if bare_key else None
        if optional and optional[0] and cv is None:
            continue
        met = goal_met(goal_key, res.get(goal_key)) if goal_key else None
        lines.append((label, fmt_num(cv, digits), fmt_num(bare, digits), fmt_ratio(ratio(cv, bare)),
                      GOALS[goal_key][2] if goal_key else "-",
                      "-" if met is None else ("yes" if met else "NO")))
    header = ("benchmark", "cvisor", "bare", "ratio", "goal", "met")
    widths = [max(len(r[i]) for r in lines + [header]) for i in range(len(header))]

    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print()
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in lines:
        print(line(r))
    print()
    print("Values are instructions (QEMU -icount shift=0: 1 instruction = 1 ns of guest time), except"
          " the Linux boot (seconds of guest time to /init, median of "
          f"{res['linux_boot_runs']} runs) and the image size (bytes).")
    print("GICv2 host rows: QEMU gic-version=2, the guest's GICv2 build (GICC MMIO); bare is that build on "
          "bare QEMU gic-version=2. vGICv2: emulated distributor, hardware GICV CPU interface; passthrough: "
          "interrupt_mode = \"passthrough\" (2 vCPUs on their own pCPUs).")
    if res.get("blk_read_mb_per_s") is not None:
        print(f"WALL CLOCK rows: no -icount (with it, guest time stops while QEMU does the I/O), so MB/s of "
              f"host time under TCG, varying with the host's load; virtio-blk: {bench_io.DISK_MIB} MiB written "
              f"(fsync) then read (page cache dropped) on /dev/vda, cvisor's virtio-blk over a file on the FAT "
              f"disk, bare: QEMU's virtio-blk; network: {bench_io.NET_MIB} MiB from one Linux VM to another.")
    if res.get("linux_boot_ratio_printk") is not None:
        print(f"Linux boot ratio from the kernel's 'Run /init' timestamp (microsecond resolution): "
              f"{res['linux_boot_ratio_printk']:.4f}")


# README.md's performance table (between the two markers), rewritten by every full run: label,
# key of the cvisor value, how to print it, bare column (key or fixed text), goal key.
README = REPO / "README.md"
README_BEGIN = "<!-- bench-table: written by `make bench` (scripts/bench.py) -->"
README_END = "<!-- bench-table end -->"
README_ROWS = [
    ("null hypercall round trip (HC_NULL over HVC; bare: SVC)", "hypercall_instructions", "instr",
     "svc_roundtrip_bare_instructions", "hypercall_instructions"),
    ("emulated MMIO read (vGICv3 GICD_TYPER)", "mmio_read_instructions", "instr", "(1, QEMU's own device)",
     "mmio_read_instructions"),
    ("virtual timer IRQ latency, deadline to guest handler", "timer_irq_latency_instructions", "added",
     "timer_irq_latency_bare_instructions", "timer_irq_added_instructions"),
    ("IPI latency, SGI write to handler on the other vCPU", "ipi_latency_instructions", "added",
     "ipi_latency_bare_instructions", "ipi_added_instructions"),
    ("GICv2 host: virtual timer IRQ latency, emulated vGICv2 (hardware GICV)",
     "timer_irq_latency_gicv2_emu_instructions", "added", "timer_irq_latency_gicv2_bare_instructions",
     "timer_irq_added_gicv2_emu_instructions"),
    ("GICv2 host: virtual timer IRQ latency, `interrupt_mode = \"passthrough\"`",
     "timer_irq_latency_gicv2_passthrough_instructions", "instr", "timer_irq_latency_gicv2_bare_instructions", None),
    ("GICv2 host: IPI latency (`GICD_SGIR` write to handler), emulated vGICv2", "ipi_latency_gicv2_emu_instructions",
     "instr", "ipi_latency_gicv2_bare_instructions", None),
    ("GICv2 host: IPI latency, `interrupt_mode = \"passthrough\"`", "ipi_latency_gicv2_passthrough_instructions",
     "instr", "ipi_latency_gicv2_bare_instructions", None),
    ("stage-2 fault-in of a lazily mapped page (flag 0x20)", "stage2_fault_in_instructions", "instr",
     "stage2_fault_in_bare_instructions", "stage2_fault_in_instructions"),
    ("Debian Linux boot to /init (guest time; cvisor includes its own setup)", "linux_boot_seconds", "seconds",
     "linux_boot_bare_seconds", "linux_boot_ratio"),
    ("hypervisor binary, no VM embedded", "hv_binary_bytes", "bytes", "—", "hv_binary_bytes"),
    ("hypervisor RAM per VM (measured: 2 one-vCPU bench VMs minus 1; see the scale table)", "hv_bytes_per_vm",
     "bytes", "—", None),
    ("hypervisor RAM per vCPU (measured: one 2-vCPU VM minus one 1-vCPU VM)", "hv_bytes_per_vcpu", "bytes", "—",
     None),
    ("shared-memory doorbell round trip, VM to VM and back (two pCPUs, both machine CPUs counted)",
     "doorbell_roundtrip_instructions", "instr", "—", None),
    ("32 MiB kernel load from the FAT disk (guest-visible time; ~200 MB/s wall clock under TCG)",
     "disk_image_load_mb_per_s", "mbps", "—", None),
    ("virtio-blk sequential write in Linux, dd 32 MiB + fsync (**wall clock**, TCG; bare: QEMU's virtio-blk)",
     "blk_write_mb_per_s", "mbps1", "blk_write_bare_mb_per_s", None),
    ("virtio-blk sequential read in Linux, dd 32 MiB, cache dropped (**wall clock**, TCG; bare: QEMU's virtio-blk)",
     "blk_read_mb_per_s", "mbps1", "blk_read_bare_mb_per_s", None),
    ("VM-to-VM TCP over virtio-net, nc 16 MiB (**wall clock**, TCG; varies with host load)",
     "vm_to_vm_net_mb_per_s", "mbps1", "—", None),
]


def readme_table(res):
    def num(v, digits=0):
        return "-" if v is None else f"{v:,.{digits}f}" if digits else f"{round(v):,}"

    lines = [f"Latest run: {res['date'][:10]}, {res.get('qemu_version') or 'QEMU ?'}, cortex-a72, commit "
             f"{(res.get('git_commit') or '?')[:12]}{' (with local changes)' if res.get('git_dirty') else ''}.",
             "", "| benchmark | cvisor | bare QEMU | goal (issue 17) | met |", "|---|---|---|---|---|"]
    for label, key, kind, bare, goal in README_ROWS:
        v = res.get(key)
        if v is None and kind != "added":
            continue
        b = res.get(bare) if bare in res else None
        bare_text = bare if bare not in res else num(b, 1 if b is not None and b != int(b) else 0)
        if kind == "seconds":
            cell = f"{v:.3f} s"
            bare_text = f"{b:.3f} s" if b is not None else "-"
        elif kind == "bytes":
            cell = f"{num(v)} B"
        elif kind == "mbps":
            cell = f"{num(v)} MB/s"
        elif kind == "mbps1":
            cell = f"{num(v, 1)} MB/s"
            bare_text = f"{b:.1f} MB/s" if b is not None else bare_text
        elif kind == "added" and b is not None:
            cell = f"{num(v, 1 if v != int(v) else 0)} instr (+{num(v - b, 1 if v - b != int(v - b) else 0)})"
        else:
            cell = f"{num(v, 1 if v != int(v) else 0)} instr"
        met = goal_met(goal, res.get(goal)) if goal else None
        goal_text = GOALS[goal][2].replace("<=", "≤") if goal else "—"
        if goal == "linux_boot_ratio" and res.get(goal) is not None:
            goal_text += f" ({res[goal]:.3f}×)"
        lines.append(f"| {label} | {cell} | {bare_text} | {goal_text} | "
                     f"{'—' if met is None else 'yes' if met else 'no'} |")
    return "\n".join(lines)


def update_readme(res):
    """Rewrites the performance table in README.md; False when its markers are missing."""
    text = README.read_text(encoding="utf-8")
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        return False
    README.write_text(text[:begin + len(README_BEGIN)] + "\n" + readme_table(res) + "\n" + text[end:],
                      encoding="utf-8")
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke mode: small iteration counts, one Linux boot each (well under a minute)")
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"), help="make's BUILD directory")
    default_cache = os.environ.get("CACHE_DIR", str(Path.home() / ".cache" / "cvisor"))
    ap.add_argument("--cache-dir", default=default_cache, help="make's CACHE_DIR (guest images)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel builds and QEMU runs")
    ap.add_argument("--arch", default=os.environ.get("ARCH", "aarch64"), help="make's ARCH")
    ap.add_argument("--check", action="store_true", help="only check that the architecture is ported")
    args = ap.parse_args()
    if not ported(args.arch):
        print(f"bench: ARCH={args.arch} is not ported yet: there is no configs/vms/bench-{args.arch}.toml "
              f"(and no bench guest for it); benchmarks exist for aarch64, x86_64 and riscv64", file=sys.stderr)
        return 2
    if args.arch in ("x86_64", "riscv64") and not args.check:
        import bench_ports
        build = Path(args.build)
        return bench_ports.main(args, build if build.is_absolute() else REPO / build,
                                Path(args.cache_dir).expanduser())
    if args.arch not in (ARCH, "x86_64", "riscv64"):  # every name below is aarch64's: a new port adds its own suite here
        print(f"bench: ARCH={args.arch} has a bench config but no suite in scripts/bench.py yet", file=sys.stderr)
        return 2
    if args.check:
        return 0

    build = Path(args.build)
    if not build.is_absolute():
        build = REPO / build
    cache_dir = Path(args.cache_dir).expanduser()
    out = build / "bench"
    logs = out / "logs"
    iters, rounds, linux_runs = (2000, 20, 1) if args.quick else (20000, 200, 5)
    micro_timeout = 60
    linux_timeout = 180

    t0 = time.monotonic()
    try:
        images = build_all(build, cache_dir, max(1, args.jobs))
        hv_bytes = images["empty"].stat().st_size
        log(f"running: microbenchmarks under cvisor and bare QEMU, GICv3 and GICv2 hosts "
            f"(iters={iters}, rounds={rounds})")
        micro = {env: run_micro(env, images, iters, rounds, logs, micro_timeout) for env in MICRO_RUNS}
        log(f"running: Linux boot to /init, {linux_runs} run(s) each under cvisor and bare QEMU")
        linux = run_linux(images, cache_dir, linux_runs, logs, linux_timeout, max(1, args.jobs))
        log("running: Linux kernel image load from the FAT disk")
        disk_mbps = run_disk_load(images, logs, linux_timeout)
        log("running: doorbell round trip between two VMs (shared memory)")
        doorbell = run_doorbell(images, logs, linux_timeout)
        scale = bench_scale.run_all(build, cache_dir, max(1, args.jobs), logs, iters, rounds,
                                    counts=(1, 2) if args.quick else bench_scale.COUNTS)
        io = {}
        if not args.quick:
            def io_make(a, what):
                make(a, what, build, cache_dir, max(1, args.jobs))
            io = bench_io.run_all(build, cache_dir, io_make, logs, log=log)
    except (BenchError, bench_io.IoBenchError) as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 1

    cv, bare = micro["cvisor"], micro["bare"]
    v2_bare, v2_emu, v2_pt = micro["gicv2-bare"], micro["gicv2-emu"], micro["gicv2-passthrough"]
    res = {
        "hypercall_instructions": cv["hypercall"],
        "mmio_read_instructions": cv["mmio_read"],
        "timer_irq_latency_ratio": ratio(cv["timer_irq_latency"], bare["timer_irq_latency"]),
        "ipi_latency_instructions": cv["ipi_latency"],
        "hv_binary_bytes": hv_bytes,
        "disk_image_load_mb_per_s": disk_mbps,
        "doorbell_roundtrip_instructions": doorbell,
        **scale,
        **io,
        "svc_roundtrip_instructions": cv["svc_roundtrip"],
        "svc_roundtrip_bare_instructions": bare["svc_roundtrip"],
        "mmio_read_bare_instructions": bare["mmio_read_bare"],
        "timer_irq_latency_instructions": cv["timer_irq_latency"],
        "timer_irq_latency_bare_instructions": bare["timer_irq_latency"],
        "ipi_latency_bare_instructions": bare["ipi_latency"],
        "stage2_fault_in_instructions": cv["stage2_fault_in"],
        "stage2_fault_in_bare_instructions": bare["stage2_fault_in_bare"],
        "ipi_roundtrip_instructions": cv["ipi_roundtrip"],
        "ipi_roundtrip_bare_instructions": bare["ipi_roundtrip"],
        "empty_loop_instructions": cv["empty_loop"],
        "empty_loop_bare_instructions": bare["empty_loop"],
        # GICv2 host (QEMU gic-version=2), the guest's GICv2 build. None: not measured.
        "timer_irq_latency_gicv2_bare_instructions": v2_bare["timer_irq_latency"],
        "timer_irq_latency_gicv2_emu_instructions": v2_emu["timer_irq_latency"],
        "timer_irq_latency_gicv2_passthrough_instructions": v2_pt["timer_irq_latency"],
        "ipi_latency_gicv2_bare_instructions": v2_bare["ipi_latency"],
        "ipi_latency_gicv2_emu_instructions": v2_emu["ipi_latency"],
        "ipi_latency_gicv2_passthrough_instructions": v2_pt.get("ipi_latency"),
        "ipi_roundtrip_gicv2_bare_instructions": v2_bare["ipi_roundtrip"],
        "ipi_roundtrip_gicv2_emu_instructions": v2_emu["ipi_roundtrip"],
        "ipi_roundtrip_gicv2_passthrough_instructions": v2_pt.get("ipi_roundtrip"),
        "mmio_read_gicv2_bare_instructions": v2_bare["mmio_read_bare"],
        "mmio_read_gicv2_emu_instructions": v2_emu["mmio_read"],
        "mmio_read_gicv2_passthrough_instructions": v2_pt["mmio_read"],
        **linux_results(linux),
        "micro_iterations": iters,
        "micro_rounds": rounds,
        "quick": args.quick,
        "icount": ICOUNT,
        "qemu_version": qemu_version(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    res["timer_irq_added_instructions"] = difference(res["timer_irq_latency_instructions"],
                                                     res["timer_irq_latency_bare_instructions"])
    res["ipi_added_instructions"] = difference(res["ipi_latency_instructions"], res["ipi_latency_bare_instructions"])
    res["timer_irq_added_gicv2_emu_instructions"] = difference(res["timer_irq_latency_gicv2_emu_instructions"],
                                                               res["timer_irq_latency_gicv2_bare_instructions"])
    res["goals"] = {k: {"goal": g[2], "met": goal_met(k, res[k])} for k, g in GOALS.items()}

    required = ["hypercall_instructions", "mmio_read_instructions", "timer_irq_latency_ratio",
                "ipi_latency_instructions", "linux_boot_ratio", "hv_binary_bytes",
                "timer_irq_latency_gicv2_bare_instructions", "timer_irq_latency_gicv2_emu_instructions",
                "timer_irq_latency_gicv2_passthrough_instructions", "ipi_latency_gicv2_bare_instructions",
                "ipi_latency_gicv2_emu_instructions", "doorbell_roundtrip_instructions", "hv_bytes_per_vm",
                "hv_bytes_per_vcpu"]
    bad = [k for k in required if not isinstance(res[k], (int, float)) or res[k] != res[k] or res[k] < 0]
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / ("results-quick.json" if args.quick else "results.json")
    json_path.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print_table(res)
    print()
    print(bench_scale.table(res, res["timer_irq_latency_bare_instructions"]))
    print()
    print(bench_scale.NOTE)
    if not args.quick and not bad:
        print("README.md: performance table updated" if update_readme(res)
              else "README.md: no bench-table markers, table not written")
        print("README.md: scale table updated" if bench_scale.update_readme(README, res,
                                                                        res["timer_irq_latency_bare_instructions"])
              else "README.md: no scale bench-table markers, scale table not written")
    print(f"results: {json_path.relative_to(REPO) if json_path.is_relative_to(REPO) else json_path}; "
          f"QEMU logs: {logs}; {time.monotonic() - t0:.0f} s")
    if bad:
        print(f"bench: error: missing or invalid values: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
