#!/usr/bin/python3
"""Where the instructions of a benchmark go, per function (docs/bench.md, "Where the
instructions go").

Reads a QEMU log made with `-d exec,nochain,in_asm` of an icount run of the bench guest and
sums, per function, the instructions executed in each measured window:

  hypercall / mmio: on CPU 0, from the guest block holding the HVC (the load) in its timing
                    loop up to the next guest block;
  timer:            from the EL2 interrupt entry that brought the timer interrupt (the last one
                    before `vtimer_irq`, the direct list-register write or the end of the exit
                    vector's steady tick) up to the guest handler's `bench_stamp` (every CPU
                    counts: icount is round robin);
  ipi:              from the guest's SGI write (`bench_edge_sgi`) up to vCPU 1's `bench_stamp`;
  fault:            on CPU 0, from a guest block whose access brings RAM into stage 2 (an exit
                    that maps: the lazy pages of the stage-2 fault-in benchmark), to the next.

x86_64 (--arch x86_64; hypervisor and guest told apart by the SVM guest-mode bit of QEMU's TB
flags, HF_GUEST 0x200000):

  hypercall / pio / mmio: on CPU 0, from the guest block of bench_loop_vmmcall / bench_loop_pio /
                    bench_loop_mmio up to the next guest block;
  timer:            from the host interrupt entry (x86_vector_stubs) that brought the host timer
                    interrupt (timer_irq) before the guest's isr_timer on CPU 0, up to it;
  ipi:              from the first block of the round in the guest's bench_ipi (the ICR write)
                    up to vCPU 1's isr_ping.

usage: scripts/bench_profile.py TRACE HV_ELF GUEST_ELF {hypercall,mmio,pio,timer,ipi,fault} [--last N]
                                [--arch aarch64|x86_64]

Typical trace (deterministic, so small counts suffice):
  qemu-system-aarch64 <machine> -smp 2 -m 2G -icount shift=0,sleep=off \\
    -fw_cfg name=opt/cvisor/bench,string="iters=50 rounds=4" -kernel build/bench/hv/cvisor.bin \\
    -d exec,nochain,in_asm -D trace.log
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys

EL2_FLAGS_EL = 2


def symbols(elf):
    out = subprocess.run(["llvm-nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    return addrs, names


def lookup(table, pc):
    addrs, names = table
    i = bisect.bisect_right(addrs, pc) - 1
    return names[i] if i >= 0 else f"{pc:#x}"


TRACE = re.compile(r"^Trace (\d+): \S+ \[([0-9a-f]+)/([0-9a-f]+)/([0-9a-f]+)/")
INSN = re.compile(r"^0x([0-9a-f]+):\s")


def read_trace(path, x86=False):
    """[(cpu, hypervisor, pc, ninsn)] in execution order."""
    ninsn = {}
    pending = []
    events = []
    with open(path, errors="replace") as f:
        for line in f:
            m = INSN.match(line)
            if m:
                pending.append(int(m.group(1), 16))
                continue
            m = TRACE.match(line)
            if not m:
                continue
            cpu, pc, flags = int(m.group(1)), int(m.group(3), 16), int(m.group(4), 16)
            key = (pc, flags)
            if pending and pending[0] == pc:
                ninsn[key] = len(pending)
            pending = []
            # TB flags: bit 6 set for EL2 code here (0x61 EL2, 0x21 EL1 seen on cortex-a72).
            # x86: HF_GUEST (0x200000) is set while the CPU runs an SVM guest.
            hyp = not (flags & 0x200000) if x86 else bool(flags & 0x40)
            if x86 and not events and hyp:
                continue  # (the hypervisor's boot: not kept, its blocks' sizes are)
            events.append((cpu, hyp, pc, ninsn.get(key, 1)))
    return events


def report(windows, title, last):
    windows = windows[-last:] if last else windows
    if not windows:
        print(f"{title}: no window found")
        return
    total = collections.Counter()
    for w in windows:
        total.update(w)
    n = len(windows)
    print(f"{title}: {n} windows, {sum(total.values()) / n:.1f} instructions per window")
    for name, cnt in total.most_common():
        print(f"  {cnt / n:8.1f}  {name}")


def x86_windows(what, events, hv, guest, name):
    """The measured windows of the x86_64 bench guest (guests/bench/main-x86_64.c)."""
    windows = []
    if what in ("hypercall", "pio", "mmio"):
        loop = {"hypercall": "bench_loop_vmmcall", "pio": "bench_loop_pio", "mmio": "bench_loop_mmio"}[what]
        cur = None
        for ev in events:
            if ev[0] != 0:
                continue
            if not ev[1]:
                if cur:
                    windows.append(cur)
                cur = collections.Counter() if lookup(guest, ev[2]) == loop else None
                continue
            if cur is not None:
                cur[name(ev)] += ev[3]
        return windows
    end_fn, end_cpu = ("isr_timer", 0) if what == "timer" else ("isr_ping", 1)
    buf = []
    for ev in events:
        if not ev[1] and ev[0] == end_cpu and lookup(guest, ev[2]) == end_fn:
            if what == "timer":
                irq = max((i for i, e in enumerate(buf) if e[1] and e[0] == 0 and lookup(hv, e[2]) == "timer_irq"),
                          default=None)
                idx = None if irq is None else max(
                    (i for i, e in enumerate(buf[:irq]) if e[1] and e[0] == 0 and lookup(hv, e[2]) == "x86_vector_stubs"),
                    default=None)
            else:
                idx = min((i for i, e in enumerate(buf) if not e[1] and e[0] == 0 and lookup(guest, e[2]) == "bench_ipi"),
                          default=None)
            if idx is not None:
                w = collections.Counter()
                for e in buf[idx:]:
                    w[f"cpu{e[0]} " + name(e)] += e[3]
                windows.append(w)
            buf = []
            continue
        buf.append(ev)
        if len(buf) > 200000:
            buf = buf[-100000:]
    return windows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("hv_elf")
    ap.add_argument("guest_elf")
    ap.add_argument("what", choices=["hypercall", "mmio", "pio", "timer", "ipi", "fault"])
    ap.add_argument("--last", type=int, default=10, help="average the last N windows (0: all)")
    ap.add_argument("--arch", default="aarch64", choices=["aarch64", "x86_64"])
    args = ap.parse_args()
    hv, guest = symbols(args.hv_elf), symbols(args.guest_elf)
    x86 = args.arch == "x86_64"
    events = read_trace(args.trace, x86)
    hv_tag = "hv " if x86 else "EL2 "

    def name(ev):
        return (hv_tag + lookup(hv, ev[2])) if ev[1] else ("guest " + lookup(guest, ev[2]))

    windows = []
    if x86:
        windows = x86_windows(args.what, events, hv, guest, name)
    elif args.what in ("hypercall", "mmio", "fault"):
        loop = {"hypercall": "bench_loop_hvc", "mmio": "bench_loop_mmio", "fault": None}[args.what]
        cur = None
        for ev in events:
            if ev[0] != 0:
                continue
            if not ev[1]:
                if cur:  # (a window with no exit in it is the loop's other block)
                    windows.append(cur)
                cur = None
                if loop is None or lookup(guest, ev[2]) == loop:
                    cur = collections.Counter()
                continue
            if cur is not None:
                cur[name(ev)] += ev[3]
        if args.what == "fault":  # only faults: windows with a stage-2 fault-in in them
            windows = [w for w in windows if any(k.endswith(" vm_arch_map") for k in w)]
    else:
        # Global order (all CPUs). A window ends at the guest's bench_stamp in the handler; it
        # starts at the last start marker before it.
        if args.what == "timer":
            # (the vector's first block: the steady tick is served in several blocks of it)
            irq_entry = hv[0][hv[1].index("arch_guest_exit_irq")] if "arch_guest_exit_irq" in hv[1] else None
            start = lambda ev: ev[1] and (ev[2] == irq_entry or lookup(hv, ev[2]) == "el2_irq")
            end_cpu = 0
        else:
            start = lambda ev: (not ev[1]) and lookup(guest, ev[2]) == "bench_edge_sgi"
            end_cpu = 1
        buf = []
        in_handler = False
        for ev in events:
            if not ev[1] and lookup(guest, ev[2]) == "bench_stamp" and ev[0] == end_cpu:
                # the stamp in the handler; a window from the last start marker
                # (ipi: the first block of bench_edge_sgi, whose SGI write traps and comes back)
                pick = min if args.what == "ipi" else max
                limit = len(buf)
                if args.what == "timer":  # (the exit that brought the timer interrupt in)
                    limit = max((i for i, e in enumerate(buf) if e[1] and lookup(hv, e[2]) in ("vtimer_irq", "vgic_hw_line_raised_direct", "arch_guest_fast_tick")),
                                default=0)
                idx = pick((i for i, e in enumerate(buf[:limit]) if start(e)), default=None)
                if idx is not None:
                    w = collections.Counter()
                    for e in buf[idx:]:
                        w[f"cpu{e[0]} " + name(e)] += e[3]
                    windows.append(w)
                buf = []
                continue
            buf.append(ev)
            if len(buf) > 200000:
                buf = buf[-100000:]
    report(windows, args.what, args.last)
    return 0


if __name__ == "__main__":
    sys.exit(main())
