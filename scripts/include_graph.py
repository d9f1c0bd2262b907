#!/usr/bin/python3
"""Module dependency graph of cvisor's C code, and its cycles.

A module is one .c file. Module A depends on module B when A uses a function or a global variable
that B defines: directly, through a local prototype, or through a header's inline function or
macro that A includes. (The headers only carry the dependency; what matters is who calls whom.)
A cycle means no module of it can be understood, tested or ported without all the others: the
layers of the base (lib < base < hv) and the modules inside each must form a DAG.

Left out on purpose:
  * assembly (.S): entry code is the root of the graph (boot.S calls base_primary_main; the
    address of secondary_entry given to firmware is not a call);
  * the upcalls a lower layer declares for the layer above (base/include/base/app.h: app_main,
    app_secondary_main): that is the seam of "the hypervisor is an app of the base". Inside a
    layer, a header named <lower module>_upcalls.h is the same seam: the lower module declares
    there what it tells (or asks) the module above it, which defines those functions (e.g.
    hv/include/hv/sched_upcalls.h: the run loop calls vm_finish of the VM life cycle, which
    calls down into the scheduler);
  * the hooks the hypervisor's generic code declares for each architecture to implement
    (hv/include/hv/arch.h, hv/include/hv/virq.h, and the hot-path inlines of their twin
    <arch/virq_arch.h>): an interface the core owns, as Bao's core owns vcpu_arch_init. A
    module outside hv/arch/ calling a hook depends on the interface, not on the module that
    implements it; the implementing module depends on the core (it includes the core's
    header, and calls core services), so its edges stay. What an arch module calls in the
    core must then be services below every caller of a hook, or the graph has a cycle through
    the implementation (docs/architecture.md, "Layers of hv/");
  * the names of struct members (a->f, .f = ..., the member list of a struct definition):
    they are no use of a global of the same name.

Also reported (and, for the strict directories, an error): a module of a lower layer using a
higher one (lib -> base/hv, base -> hv, other than through the upcalls), and prototypes written
inside a .c file for functions another file defines (they belong in that file's header).

usage: scripts/include_graph.py [--strict DIR ...] [--report DIR ...] [--arch A] [--root DIR] [-v]
  Directories given to --strict fail the run (exit 1) when they hold a cycle, a layering
  violation or a cross-file prototype; --report only prints. Default: strict base lib hv.
"""
import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = {"lib": 0, "base": 1, "hv": 2, "apps": 2}
# Include roots as the target build passes them (-I), in order; <arch/...> resolves per arch.
INCLUDE_ROOTS = ["lib/include", "base/include", "hv/include"]
UPCALL_HEADERS = ["base/include/base/app.h"]  # and every header named *_upcalls.h (see the docstring)
# Interfaces hv/core owns and each architecture implements (see the docstring).
HOOK_HEADERS = ["hv/include/hv/arch.h", "hv/include/hv/virq.h"]
HOOK_TWINS = ["arch/virq_arch.h"]  # the arch's inline hooks, as hook headers include them

KEYWORDS = set("""if for while switch return sizeof do else case default goto break continue
typedef struct union enum static inline extern const volatile unsigned signed void char short int
long float double _Bool bool _Static_assert __attribute__ __asm__ asm __builtin_offsetof
__builtin_unreachable""".split())


def strip_comments_and_strings(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])*'", "''", text)
    return text


TYPE_HEAD = re.compile(r"\b(struct|union|enum)\b[^=();]*$")


def top_level(text):
    """The text outside any braces (declarations and definitions' heads), and the bodies of
    functions and initialisers (a struct, union or enum definition's members use nothing)."""
    outside, bodies, depth, cur, type_body = [], [], 0, [], False
    for ch in text:
        if ch == "{":
            if depth == 0:
                head = "".join(outside)
                type_body = bool(TYPE_HEAD.search(head[max(head.rfind(";"), head.rfind("}")) + 1:]))
                outside.append("{}")
                cur = []
            else:
                cur.append(ch)
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
            if depth == 0:
                if not type_body:
                    bodies.append("".join(cur))
                outside.append(";")
            else:
                cur.append(ch)
        elif depth == 0:
            outside.append(ch)
        else:
            cur.append(ch)
    return "".join(outside), bodies


IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
MEMBER = re.compile(r"(\.|->)\s*[A-Za-z_]\w*")  # a struct member's name is no use of a global


def idents(text):
    return IDENT.findall(MEMBER.sub(" ", text))


DEF_FN = re.compile(r"\b([A-Za-z_]\w*)\s*\(([^;{}()]|\([^;{}]*?\))*\)\s*(__attribute__\s*\(\(.*?\)\)\s*)*\{\}")
DECL_FN = re.compile(r"\b([A-Za-z_]\w*)\s*\(([^;{}()]|\([^;{}]*?\))*\)\s*(__attribute__\s*\(\(.*?\)\)\s*)*;")


def statements(outside):
    """Top-level statements (split at ';'), preprocessor lines removed."""
    lines = [l for l in outside.split("\n") if not l.lstrip().startswith("#")]
    return [s.strip() for s in " ".join(lines).split(";") if s.strip()]


class Source:
    def __init__(self, path):
        self.path = path
        raw = path.read_text(encoding="utf-8", errors="replace")
        self.includes = re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', raw, flags=re.M)
        text = strip_comments_and_strings(raw)
        # A macro's body counts as a use for whoever uses the macro.
        self.macros = {m.group(1): set(idents(m.group(2))) for m in
                       re.finditer(r"^\s*#\s*define\s+(\w+)(?:\([^)]*\))?(.*(?:\\\n.*)*)", text, flags=re.M)}
        text = re.sub(r"^\s*#.*(?:\\\n.*)*", "", text, flags=re.M)
        outside, bodies = top_level(text)
        self.defined = set()      # non-static functions and variables defined here
        self.declared = set()     # functions declared (prototypes) here
        self.local_static = set()
        self.uses = set()
        for m in DEF_FN.finditer(outside):
            if m.group(1) in KEYWORDS:
                continue
            head = outside[max(0, outside.rfind(";", 0, m.start()) + 1):m.start()]
            if re.search(r"\bstatic\b", head):
                self.local_static.add(m.group(1))
            elif not re.search(r"\binline\b", head):
                self.defined.add(m.group(1))
        flat = outside.replace("{}", "")
        for stmt in statements(flat):
            fm = DECL_FN.search(stmt + ";")
            if fm and fm.group(1) in KEYWORDS:
                continue
            if fm and not re.match(r"\s*typedef\b", stmt) and "=" not in stmt.split("(")[0]:
                if re.search(r"\bstatic\b", stmt):
                    self.local_static.add(fm.group(1))
                else:
                    self.declared.add(fm.group(1))
                continue
            # variable definitions: not extern, not typedef, not a type-only declaration
            if re.match(r"\s*(extern|typedef)\b", stmt) or re.match(r"\s*(struct|union|enum)\s+\w+\s*$", stmt):
                continue
            name = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*(=.*)?$", stmt)
            if name and name.group(1) not in KEYWORDS and not re.search(r"\bstatic\b", stmt):
                if re.search(r"\w[\s*]+[A-Za-z_]\w*\s*(\[[^\]]*\]\s*)*(=.*)?$", stmt):
                    self.defined.add(name.group(1))
        for b in bodies:
            self.uses.update(idents(b))
        # initialisers of tables of function pointers are uses too
        for stmt in statements(flat):
            if "=" in stmt:
                self.uses.update(idents(stmt.split("=", 1)[1]))


def resolve_include(name, src_path, arch):
    cands = []
    if name.startswith("arch/"):
        cands += [f"base/arch/{arch}/include/{name}", f"hv/arch/{arch}/include/{name}"]
    cands += [f"{root}/{name}" for root in INCLUDE_ROOTS]
    cands.append(str((src_path.parent / name).relative_to(REPO)) if (src_path.parent / name).exists() else None)
    for c in cands:
        if c and (REPO / c).exists():
            return c
    return None


def layer_of(rel):
    return LAYERS.get(rel.split("/", 1)[0], 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strict", nargs="*", default=None, help="directories whose findings fail the run")
    ap.add_argument("--report", nargs="*", default=None, help="directories whose findings are only printed")
    ap.add_argument("--arch", default="aarch64")
    ap.add_argument("--root", default=None, help="the tree to read (default: this repository)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every dependency edge")
    args = ap.parse_args()
    global REPO
    if args.root:
        REPO = Path(args.root).resolve()
    strict = args.strict if args.strict is not None else ["base", "lib", "hv"]
    report = args.report if args.report is not None else []
    dirs = strict + [d for d in report if d not in strict]

    files = {}
    for top in ["lib", "base", "hv", "apps"]:
        for p in sorted((REPO / top).rglob("*")):
            if p.suffix not in (".c", ".h"):
                continue
            rel = str(p.relative_to(REPO))
            parts = rel.split("/")
            # Other architectures' files belong to other builds: one architecture at a time.
            if len(parts) > 2 and parts[1] == "arch" and parts[2] != args.arch:
                continue
            files[rel] = Source(p)

    upcalls = set()
    for h in files:
        if h in UPCALL_HEADERS or h.endswith("_upcalls.h"):
            upcalls |= files[h].declared
    hooks = set()
    for h in HOOK_HEADERS:
        if h in files:
            hooks |= files[h].declared
    twins = {resolve_include(t, REPO / HOOK_HEADERS[0], args.arch) for t in HOOK_TWINS}

    def is_arch(rel):
        parts = rel.split("/")
        return len(parts) > 2 and parts[1] == "arch"

    # Which module defines each symbol (a symbol defined twice, e.g. a weak default, keeps both).
    definers = defaultdict(set)
    for rel, s in files.items():
        if rel.endswith(".c"):
            for sym in s.defined:
                definers[sym].add(rel)

    # Uses a module makes through the headers it includes (transitively: inlines and macros).
    header_uses = {}

    def uses_via(rel, seen, skip):
        """(identifiers used by inline bodies, macros) of a header and the headers it includes,
        but none of the headers in skip."""
        key = (rel, skip)
        if key in header_uses:
            return header_uses[key]
        s = files[rel]
        u, macros = set(s.uses), dict(s.macros)
        for inc in s.includes:
            r = resolve_include(inc, REPO / rel, args.arch)
            if r and r in files and r not in seen and r not in skip:
                iu, im = uses_via(r, seen | {r}, skip)
                u |= iu
                macros.update(im)
        header_uses[key] = (u, macros)
        return u, macros

    def expand(used, macros):
        """Adds the bodies of the macros used (and of the macros those use)."""
        todo = [m for m in used if m in macros]
        done = set()
        while todo:
            m = todo.pop()
            if m in done:
                continue
            done.add(m)
            for ident in macros[m]:
                used.add(ident)
                if ident in macros and ident not in done:
                    todo.append(ident)
        return used

    edges = defaultdict(dict)  # module -> {module: [symbols]}
    for rel, s in files.items():
        if not rel.endswith(".c"):
            continue
        used, macros = set(s.uses), dict(s.macros)
        # Outside the arch, the bodies of the arch's inline hooks are the arch's, not the caller's.
        skip = frozenset() if is_arch(rel) or not rel.startswith("hv/") else frozenset(twins)
        for inc in s.includes:
            r = resolve_include(inc, REPO / rel, args.arch)
            if r and r in files and r not in skip:
                iu, im = uses_via(r, {r}, skip)
                used |= iu
                macros.update(im)
        used = expand(used, macros)
        used -= s.local_static
        for sym in used:
            if sym in upcalls or (sym in hooks and not is_arch(rel) and rel.startswith("hv/")):
                continue
            for d in definers.get(sym, ()):
                if d != rel and sym not in s.defined:
                    edges[rel].setdefault(d, []).append(sym)

    findings = defaultdict(list)  # top dir -> messages

    def top(rel):
        return rel.split("/", 1)[0]

    # Layering: a lower layer never uses a higher one.
    for a, outs in sorted(edges.items()):
        for b, syms in sorted(outs.items()):
            if layer_of(b) > layer_of(a):
                findings[top(a)].append(f"layering: {a} uses {b} ({', '.join(sorted(syms)[:4])})")

    # Cycles: strongly connected components (Tarjan), within each top directory's modules.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(files):
        if v.endswith(".c") and v not in index:
            strong(v)

    def one_cycle(comp):
        """A shortest cycle through the component's first module, for the report."""
        members = set(comp)
        start = comp[0]
        prev = {start: None}
        queue = [start]
        while queue:
            v = queue.pop(0)
            for w in sorted(edges.get(v, {})):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    path.reverse()
                    return path + [start]
                if w not in prev:
                    prev[w] = v
                    queue.append(w)
        return comp

    for comp in sccs:
        cyc = one_cycle(comp)
        hops = " -> ".join(f"{a} ({', '.join(sorted(edges[a][b])[:2])})" for a, b in zip(cyc, cyc[1:]))
        findings[top(comp[0])].append(f"cycle of {len(comp)} modules: {', '.join(comp)}\n    e.g. {hops} -> {cyc[0]}")

    # Prototypes inside .c files for functions defined elsewhere.
    for rel, s in sorted(files.items()):
        if not rel.endswith(".c"):
            continue
        for fn in sorted(s.declared - s.defined):
            if any(d != rel for d in definers.get(fn, ())):
                findings[top(rel)].append(f"prototype in a .c file: {rel} declares {fn}() (defined in "
                                          f"{', '.join(sorted(definers[fn]))}); put it in a header")

    if args.verbose:
        for a, outs in sorted(edges.items()):
            for b, syms in sorted(outs.items()):
                print(f"  {a} -> {b}: {', '.join(sorted(syms))}")

    failed = False
    for d in dirs:
        msgs = findings.get(d, [])
        mode = "strict" if d in strict else "report only"
        print(f"include_graph: {d}/ ({mode}): {len(msgs) or 'no'} finding{'s' if len(msgs) != 1 else ''}")
        for m in msgs:
            print(f"  {m}")
        if msgs and d in strict:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
