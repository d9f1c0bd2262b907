"""The QEMU command line of a cvisor platform, as base/platform/<board>/platform.mk defines it.

One definition serves `make run`, the system tests, `make bench` and the DTB fixtures, so they
cannot drift apart: this module asks make for it (`make print-qemu`) and caches the answer.
"""
import functools
import shlex
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=None)
def _machine(arch, platform, gic, bare):
    # CONFIG_MK= : a developer's `make defconfig` file must not change what the tests run.
    args = ["make", "-s", "--no-print-directory", "CONFIG_MK=", f"ARCH={arch}", f"GIC={gic}",
            "print-qemu-bare" if bare else "print-qemu"]
    if platform:
        args.insert(-1, f"PLATFORM={platform}")
    r = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or not r.stdout.strip():
        raise RuntimeError(f"`{' '.join(args)}` failed:\n{r.stdout}{r.stderr}")
    return tuple(shlex.split(r.stdout.strip().splitlines()[-1]))


def machine(arch="aarch64", platform=None, gic=3, bare=False):
    """The QEMU program and machine options (no -smp/-m/-kernel) as a list.

    bare=True gives the same machine for a guest run without the hypervisor (CPUs start at the
    level a guest kernel expects)."""
    return list(_machine(arch, platform, gic, bare))
