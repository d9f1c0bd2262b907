#!/usr/bin/python3
"""Differential test of cvisor's TOML parser (via tools/toml_dump) against Python's tomllib.

For every tests/unit/lib/toml_diff/valid/*.toml both parsers must accept the document and
produce the same data (also for a CRLF copy of it). For every invalid/*.toml both must
reject it, and ours must do so cleanly (exit 1 with "line:column: message").

Values are compared after normalisation, so equal values written differently match:
integers by value, floats by their IEEE value (nan by nan-ness), date/times by the value
they denote (as tomllib builds it: fractional seconds truncated to microseconds), strings
exactly. Table keys are compared in document order.

Usage: toml_differential.py TOML_DUMP [DIR]
"""
import datetime
import json
import math
import pathlib
import re
import subprocess
import sys
import tomllib

DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")
TIME_RE = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$")
OFFSET_RE = re.compile(r"(.*?)([Zz]|[+-]\d{2}:\d{2})$")


class Mismatch(Exception):
    pass


def parse_time(text):
    m = TIME_RE.match(text)
    if not m:
        raise Mismatch(f"toml_dump produced a malformed time {text!r}")
    h, mi, s, frac = m.groups()
    micros = int((frac or "").ljust(6, "0")[:6])
    return datetime.time(int(h), int(mi), int(s), micros)


def parse_date(text):
    m = DATE_RE.match(text)
    if not m:
        raise Mismatch(f"toml_dump produced a malformed date {text!r}")
    return datetime.date(*(int(g) for g in m.groups()))


def parse_offset(text):
    if text in ("Z", "z"):
        return datetime.timezone.utc
    sign = -1 if text[0] == "-" else 1
    return datetime.timezone(sign * datetime.timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))


def norm_datetime(tag, text):
    """Our datetime text (as written in the source) to the normalised form of norm_py."""
    if tag == "date-local":
        return ("date-local", parse_date(text).isoformat())
    if tag == "time-local":
        return ("time-local", parse_time(text).isoformat())
    tz = None
    if tag == "datetime":
        m = OFFSET_RE.match(text)
        if not m:
            raise Mismatch(f"offset date-time without offset: {text!r}")
        text, tz = m.group(1), parse_offset(m.group(2))
    if len(text) < 11 or text[10] not in "Tt ":
        raise Mismatch(f"toml_dump produced a malformed date-time {text!r}")
    d, t = parse_date(text[:10]), parse_time(text[11:])
    return (tag, datetime.datetime.combine(d, t, tzinfo=tz).isoformat())


def norm_float(x):
    return ("float", "nan") if math.isnan(x) else ("float", x.hex())


def norm_ours(node):
    """toml_dump's tagged JSON (decoded with pairs preserved) to comparable tuples."""
    if isinstance(node, list):
        return ("array", [norm_ours(x) for x in node])
    if not isinstance(node, tuple):
        raise Mismatch(f"unexpected JSON node {node!r}")
    pairs = node[1]
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Mismatch(f"duplicate key in output: {keys}")
    d = dict(pairs)
    # A scalar is {"type": str, "value": str}; a table's values are never bare JSON strings.
    if set(d) == {"type", "value"} and all(isinstance(v, str) for v in d.values()):
        tag, text = d["type"], d["value"]
        if tag == "string":
            return ("string", text)
        if tag == "integer":
            return ("integer", int(text))
        if tag == "float":
            return norm_float(float(text))
        if tag == "bool":
            if text not in ("true", "false"):
                raise Mismatch(f"bad bool {text!r}")
            return ("bool", text == "true")
        if tag in ("datetime", "datetime-local", "date-local", "time-local"):
            return norm_datetime(tag, text)
        raise Mismatch(f"unknown type tag {tag!r}")
    return ("table", [(k, norm_ours(v)) for k, v in pairs])


def norm_py(v):
    """tomllib's Python objects to the same comparable tuples."""
    if isinstance(v, dict):
        return ("table", [(k, norm_py(x)) for k, x in v.items()])
    if isinstance(v, list):
        return ("array", [norm_py(x) for x in v])
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("integer", v)
    if isinstance(v, float):
        return norm_float(v)
    if isinstance(v, str):
        return ("string", v)
    if isinstance(v, datetime.datetime):
        return ("datetime" if v.tzinfo else "datetime-local", v.isoformat())
    if isinstance(v, datetime.date):
        return ("date-local", v.isoformat())
    if isinstance(v, datetime.time):
        return ("time-local", v.isoformat())
    raise Mismatch(f"unexpected tomllib value {v!r}")


def run_ours(dump, data):
    r = subprocess.run([dump, "-"], input=data, capture_output=True, timeout=30)
    if r.returncode not in (0, 1):
        raise Mismatch(f"toml_dump crashed (exit {r.returncode}): {r.stderr.decode(errors='replace')[-2000:]}")
    return r


def first_difference(a, b, path="$"):
    if a[0] != b[0]:
        return f"{path}: ours {a[0]} vs tomllib {b[0]}"
    if a[0] in ("table", "array"):
        x, y = a[1], b[1]
        if a[0] == "table" and [k for k, _ in x] != [k for k, _ in y]:
            return f"{path}: keys ours {[k for k, _ in x]} vs tomllib {[k for k, _ in y]}"
        if len(x) != len(y):
            return f"{path}: length ours {len(x)} vs tomllib {len(y)}"
        for i, (p, q) in enumerate(zip(x, y)):
            if a[0] == "table":
                d = first_difference(p[1], q[1], f"{path}.{p[0]}")
            else:
                d = first_difference(p, q, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: ours {a[1]!r} vs tomllib {b[1]!r}"


def check_valid(dump, data):
    expected = norm_py(tomllib.loads(data.decode("utf-8")))
    r = run_ours(dump, data)
    if r.returncode != 0:
        raise Mismatch(f"rejected by ours: {r.stderr.decode(errors='replace').strip()}")
    ours = norm_ours(json.loads(r.stdout, object_pairs_hook=lambda pairs: ("obj", pairs)))
    diff = first_difference(ours, expected)
    if diff:
        raise Mismatch(diff)


def check_invalid(dump, data):
    try:
        tomllib.loads(data.decode("utf-8"))
        raise Mismatch("accepted by tomllib (test document is not invalid)")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        pass
    r = run_ours(dump, data)
    if r.returncode != 1:
        raise Mismatch("accepted by ours")
    msg = r.stderr.decode(errors="replace").strip()
    if not re.match(r"[1-9]\d*:[1-9]\d*: \S", msg):
        raise Mismatch(f"error lacks line:column: {msg!r}")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    dump = sys.argv[1]
    root = pathlib.Path(sys.argv[2] if len(sys.argv) == 3 else pathlib.Path(__file__).parent / "toml_diff")
    cases = []
    for f in sorted((root / "valid").glob("*.toml")):
        data = f.read_bytes()
        cases.append((f"valid/{f.name}", check_valid, data))
        if b"\r" not in data:
            cases.append((f"valid/{f.name} (CRLF)", check_valid, data.replace(b"\n", b"\r\n")))
    for f in sorted((root / "invalid").glob("*.toml")):
        cases.append((f"invalid/{f.name}", check_invalid, f.read_bytes()))
    if not cases:
        print(f"toml differential: no test documents under {root}", file=sys.stderr)
        return 1
    passed = failed = 0
    for name, check, data in cases:
        try:
            check(dump, data)
            passed += 1
        except (Mismatch, tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as e:
            failed += 1
            print(f"FAIL {name}: {e}")
    print(f"toml differential: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
