#!/usr/bin/python3
"""Generic code names no architecture's hardware.

Scans the code (comments removed; string literals kept: a log line is code too) of the generic
directories for the names of Arm hardware that belong under */arch/aarch64/ or in a GIC/PL011
driver: the GIC and its interrupt kinds (SGI, PPI, SPI), MPIDR, PSCI, ESR, exception levels and
Arm system registers (*_EL0.._EL3), the generic-timer registers (CNT*), the PL011, and Arm
barrier and wait instructions; and of x86 hardware that belongs under */arch/x86_64/ or in an
APIC/PC driver: the (local, I/O, x2) APIC, MSRs and control registers, EFER, the descriptor
tables (GDT, IDT, TSS), RIP/RSP/RFLAGS, CPUID, the TSC, the PIT, HPET and 8259, port I/O
instructions, SVM/VMX and the VMCB, multiboot. Comments that cite them as examples are fine.
The parsers of firmware formats in lib/ (ACPI tables, the multiboot information) name the
fields of their format: the x86 words are not searched there.

usage: scripts/generic_names.py [--strict DIR ...] [--report DIR ...] [-v]
  Default: strict base/core base/include/base lib/ hv/core hv/include (exit 1 on a finding).
"""
import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

WORDS = re.compile(r"""\b(?:
    [Gg][Ii][Cc]\w* | \w*_gic\w* | \w*_GIC\w* |
    [Ss][Gg][Ii]s? | [Pp][Pp][Ii]s? | [Ss][Pp][Ii]s? | \w*_(?:sgi|SGI|spi|SPI)\b\w* |
    [Mm][Pp][Ii][Dd][Rr]\w* | \w*_mpidr\w* |
    [Pp][Ss][Cc][Ii]\w* | \w*_psci\w* |
    ESR\w* | esr_\w* |
    EL[0-3]\b | \w+_[Ee][Ll][0-3](?:\b|_) |
    CNT[A-Z]+\w* | cnt(?:v|p|hp|frq|pct|vct)\w* |
    [Pp][Ll]011\w* | \w*_pl011\w* |
    (?:dsb|dmb|isb|wfi|wfe|sev|smc|hvc)(?=\s*\()
)(?!\w)""", re.X)

X86_WORDS = re.compile(r"""\b(?:
    \w*[Aa][Pp][Ii][Cc]\w* | [Mm][Ss][Rr]s? | MSR_\w* | \w*_msr\w* | rdmsr | wrmsr | [Cc][Rr][0-4] |
    [Ee][Ff][Ee][Rr]\w* | [Gg][Dd][Tt]\w* | [Ii][Dd][Tt]\w* | TSS\w* | tss_\w* | [RrEe][Ii][Pp] |
    RSP | RFLAGS | rflags | [Cc][Pp][Uu][Ii][Dd]\w* | TSC\w* | rdtsc\w* | \w*_tsc\w* | PIT | pit_\w* |
    HPET\w* | hpet_\w* | \w*8259\w* | (?:inb|outb|inw|outw|inl|outl)(?=\s*\() |
    [Ss][Vv][Mm]\w* | [Vv][Mm][Xx]\w* | VMCB\w* | vmcb\w* | [Mm]ultiboot\w* | MULTIBOOT\w*
)(?!\w)""", re.X)
# Parsers of firmware formats: they name the fields of their format.
FORMAT_PARSERS = {"lib/include/lib/acpi.h", "lib/src/acpi.c", "lib/include/lib/multiboot.h", "lib/src/multiboot.c"}

DEFAULT_STRICT = ["base/core", "base/include/base", "lib", "hv/core", "hv/include"]
DEFAULT_REPORT = []


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def findings(directory):
    out = []
    for p in sorted((REPO / directory).rglob("*")):
        if p.suffix not in (".c", ".h", ".S"):
            continue
        text = strip_comments(p.read_text(encoding="utf-8", errors="replace"))
        rel = str(p.relative_to(REPO))
        patterns = [WORDS] + ([] if rel in FORMAT_PARSERS else [X86_WORDS])
        for n, line in enumerate(text.split("\n"), 1):
            for words in patterns:
                for m in words.finditer(line):
                    out.append(f"{rel}:{n}: '{m.group(0).strip()}' in: {line.strip()[:100]}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strict", nargs="*", default=None)
    ap.add_argument("--report", nargs="*", default=None)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every finding of report-only directories")
    args = ap.parse_args()
    strict = DEFAULT_STRICT if args.strict is None else args.strict
    report = DEFAULT_REPORT if args.report is None else [d for d in args.report if d not in strict]
    failed = False
    for d in strict + report:
        f = findings(d)
        mode = "strict" if d in strict else "report only"
        print(f"generic_names: {d}/ ({mode}): {len(f) or 'no'} finding{'s' if len(f) != 1 else ''}")
        shown = len(f) if args.verbose else 40 if d in strict else 3
        for line in f[:shown]:
            print(f"  {line}")
        if len(f) > shown:
            print(f"  ... and {len(f) - shown} more (-v shows all)")
        failed |= bool(f) and d in strict
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
