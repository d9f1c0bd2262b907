#!/usr/bin/env python3
"""Generates the assembly that embeds VM configs and their images into the hypervisor.

usage: gen_embed.py OUT.S DEPFILE DEPTARGET SEARCH_DIRS CONFIG [CONFIG...]

Every config is embedded as text (the hypervisor parses and validates it at boot, so a broken
config is reported there with its line, not here). For configs with image_location = "memory",
the files named by kernel_path, bios_path, dtb_path and ramdisk_path are looked up (as written,
then relative to the config's directory, then in each of the colon-separated SEARCH_DIRS) and
embedded under the name written in the config. A missing image is only a warning here: the
hypervisor reports it for that VM and boots the others.
"""
import os
import sys
import tomllib

IMAGE_KEYS = ("kernel_path", "bios_path", "dtb_path", "ramdisk_path")
TOML_MAX_DEPTH = 64  # lib/include/lib/toml.h: the hypervisor's parser rejects deeper documents


def nesting_error(text):
    """(line, column) of the first table or array nested deeper than the hypervisor's parser
    allows (the root table is depth 0, as there), or None. A scan of brackets outside strings
    and comments: enough to point at the place Python's own parser gives up on with a
    RecursionError, which it reports with no position."""
    line, col, i, n = 1, 1, 0, len(text)
    table_depth = 0   # depth of the table the current line's keys go into
    stack = []        # open '[' / '{' of the current value
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line, col, i, at_line_start = line + 1, 1, i + 1, True
            continue
        if c in " \t\r":
            i, col = i + 1, col + 1
            continue
        if c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and text[j:j + len(quote)] != quote:
                if c == '"' and text[j] == "\\":
                    j += 1
                if text[j:j + 1] == "\n":
                    line, col = line + 1, 0
                j += 1
            col += j + len(quote) - i
            i = j + len(quote)
            at_line_start = False
            continue
        if at_line_start and not stack and c == "[":
            # a table header: [a.b] is two tables deep, [[a.b]] one more (the array)
            end = text.find("\n", i)
            header = text[i:end if end >= 0 else n].split("#")[0].strip()
            double = header.startswith("[[")
            name = header.strip("[]")
            table_depth = name.count(".") + 1 + (1 if double else 0)
            if table_depth > TOML_MAX_DEPTH:
                return line, col
            i = end if end >= 0 else n
            continue
        at_line_start = False
        if c in "[{":
            depth = table_depth + len(stack) + 1
            if depth > TOML_MAX_DEPTH:
                return line, col
            stack.append(c)
        elif c in "]}" and stack:
            stack.pop()
        i, col = i + 1, col + 1
    return None


def find(path, config, search_dirs):
    candidates = [path, os.path.join(os.path.dirname(config), path)]
    candidates += [os.path.join(d, path) for d in search_dirs if d]
    for c in candidates:
        if os.path.isfile(c):
            return os.path.abspath(c)
    return None


def asm_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    out, depfile, deptarget = sys.argv[1], sys.argv[2], sys.argv[3]
    search, configs = sys.argv[4].split(":"), sys.argv[5:]
    files = []  # (kind, name, path)
    seen_images = set()
    for cfg in configs:
        if not os.path.isfile(cfg):
            sys.exit(f"gen_embed: VM config '{cfg}' does not exist")
        files.append((0, cfg, os.path.abspath(cfg)))
        with open(cfg, "rb") as f:
            raw = f.read()
        try:
            doc = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue  # reported by the hypervisor at boot, with line and column
        except RecursionError:
            # Python's parser recurses per nesting level; the hypervisor's stops at a limit and
            # reports where. Say the same here, and leave the VM to be rejected at boot.
            where = nesting_error(raw.decode("utf-8"))
            pos = f"line {where[0]}, column {where[1]}" if where else "an unknown position"
            print(f"gen_embed: warning: {cfg}: TOML syntax error at {pos}: nesting too deep "
                  f"(limit {TOML_MAX_DEPTH}); the hypervisor rejects this VM at boot", file=sys.stderr)
            continue
        kernel = doc.get("kernel", {}) if isinstance(doc.get("kernel"), dict) else {}
        if kernel.get("image_location", "memory") != "memory":
            continue
        for key in IMAGE_KEYS:
            name = kernel.get(key)
            if not isinstance(name, str) or name in seen_images:
                continue
            path = find(name, cfg, search)
            if path is None:
                hint = ""
                if name in os.environ.get("GUEST_IMAGE_NAMES", "").split():
                    hint = "; run `make guest-images` to fetch it"
                print(f"gen_embed: warning: {cfg}: {key} '{name}' not found; that VM will not start{hint}",
                      file=sys.stderr)
                continue
            seen_images.add(name)
            files.append((1, name, path))

    lines = ['/* generated by scripts/gen_embed.py */', '    .section .vmimages, "a"']
    for i, (_, _, path) in enumerate(files):
        lines += ["    .balign 4096", f"file_{i}:", f"    .incbin {asm_string(path)}", f"file_{i}_end:"]
    lines += ["    .section .rodata", "    .balign 8", "    .global embedded_files", "embedded_files:"]
    for i, (kind, _, _) in enumerate(files):
        lines += [f"    .quad name_{i}, file_{i}, file_{i}_end - file_{i}, {kind}"]
    lines += ["    .global embedded_file_count", "embedded_file_count:", f"    .quad {len(files)}"]
    for i, (_, name, _) in enumerate(files):
        lines += [f"name_{i}:", f"    .asciz {asm_string(name)}"]
    text = "\n".join(lines) + "\n"
    old = open(out).read() if os.path.exists(out) else None
    if text != old:  # keep the timestamp when nothing changed: no needless relink
        with open(out, "w") as f:
            f.write(text)
    with open(depfile, "w") as f:
        f.write(deptarget + ": " + " ".join(p for _, _, p in files) + "\n")
        # An empty rule per file (as `cc -MP` writes): a config deleted since (a test's temporary
        # file) makes the next build re-embed instead of stopping with "No rule to make target".
        for _, _, p in files:
            f.write(p + ":\n")


if __name__ == "__main__":
    main()
