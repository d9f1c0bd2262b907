#!/usr/bin/env python3
"""Guest instructions per function from tools/tbprof's output, and two runs compared.

    tbprof_funcs.py SYMS A [B]   (SYMS: "address name" lines, e.g. a guest's text symbols from
                                  /proc/kallsyms; A, B: tbprof outputs of two boots)

Prints the functions by instructions (one run), or by B - A (two runs). A block is charged to the
symbol at or below its start (blocks do not cross functions). docs/bench.md says how it was used."""
import bisect
import sys


def load_syms(path):
    syms = sorted((int(a, 16), n) for a, n in (l.split()[:2] for l in open(path) if l.strip()))
    return [a for a, _ in syms], [n for _, n in syms]


def per_function(path, addrs, names):
    out = {}
    for line in open(path):
        pc, n = line.split()
        i = bisect.bisect_right(addrs, int(pc, 16)) - 1
        name = names[i] if i >= 0 else "?"
        out[name] = out.get(name, 0) + int(n)
    return out


def main():
    addrs, names = load_syms(sys.argv[1])
    a = per_function(sys.argv[2], addrs, names)
    if len(sys.argv) < 4:
        total = sum(a.values())
        print(f"total {total:,}")
        for name, n in sorted(a.items(), key=lambda kv: -kv[1])[:60]:
            print(f"{n:>15,} {100 * n / total:6.2f}% {name}")
        return
    b = per_function(sys.argv[3], addrs, names)
    ta, tb = sum(a.values()), sum(b.values())
    print(f"total A {ta:,}  B {tb:,}  B-A {tb - ta:+,}")
    diff = {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b)}
    for name, d in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:50]:
        print(f"{d:>+15,} {a.get(name, 0):>15,} {b.get(name, 0):>15,} {name}")


if __name__ == "__main__":
    main()
