#!/usr/bin/python3
"""Where the instructions of a benchmark go, per function (docs/bench.md, "Where the
instructions go").

Reads a QEMU log made with `-d exec,nochain,in_asm` of an icount run of the bench guest and
sums, per function, the instructions executed in each measured window:

  hypercall / mmio: on CPU 0, from the guest block holding the HVC (the load) in its timing
                    loop up to the next guest block;
  timer:            from the EL2 interrupt entry that brought the timer interrupt (the last one
                    before `vtimer_irq` or the direct list-register write) up to the guest handler's `bench_stamp` (every CPU
                    counts: icount is round robin);
  ipi:              from the guest's SGI write (`bench_edge_sgi`) up to vCPU 1's `bench_stamp`;
  fault:            on CPU 0, from a guest block whose access brings RAM into stage 2 (an exit
                    that maps: the lazy pages of the stage-2 fault-in benchmark), to the next.

usage: scripts/bench_profile.py TRACE HV_ELF GUEST_ELF {hypercall,mmio,timer,ipi,fault} [--last N]

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


def read_trace(path):
    """[(cpu, el2, pc, ninsn)] in execution order."""
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
            events.append((cpu, bool(flags & 0x40), pc, ninsn.get(key, 1)))
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("hv_elf")
    ap.add_argument("guest_elf")
    ap.add_argument("what", choices=["hypercall", "mmio", "timer", "ipi", "fault"])
    ap.add_argument("--last", type=int, default=10, help="average the last N windows (0: all)")
    args = ap.parse_args()
    hv, guest = symbols(args.hv_elf), symbols(args.guest_elf)
    events = read_trace(args.trace)

    def name(ev):
        return ("EL2 " + lookup(hv, ev[2])) if ev[1] else ("guest " + lookup(guest, ev[2]))

    windows = []
    if args.what in ("hypercall", "mmio", "fault"):
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
            start = lambda ev: ev[1] and lookup(hv, ev[2]) in ("arch_guest_exit_irq", "el2_irq")
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
                    limit = max((i for i, e in enumerate(buf) if e[1] and lookup(hv, e[2]) in ("vtimer_irq", "vgic_hw_line_raised_direct")),
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
