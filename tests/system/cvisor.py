"""Helpers for cvisor system tests: build a hypervisor image with given VM configs and boot it
under QEMU, reading the serial console with pexpect."""
import ctypes
import os
import re
import signal
import subprocess
from pathlib import Path

import sys

import pexpect

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import qemu  # noqa: E402  (the platform's QEMU command line, from its platform.mk)

BUILD = Path(os.environ.get("CVISOR_BUILD", REPO / "build"))
SYSTEST = BUILD / "systest"
# The architecture and board a test runs on unless it names its own: `make systest` passes ARCH
# and PLATFORM (None: the architecture's default board, from its arch.mk).
ARCH = os.environ.get("CVISOR_ARCH", "aarch64")
PLATFORM = os.environ.get("CVISOR_PLATFORM") or None


def board(arch=None, platform=None):
    """The board a test runs on: its own, else make's PLATFORM when the test runs on make's
    ARCH, else the architecture's default board (None)."""
    if platform:
        return platform
    return PLATFORM if (arch or ARCH) == ARCH else None


def qemu_machine(arch=None, platform=None, gic=3):
    """The board's QEMU program and machine options, from its platform.mk (scripts/qemu.py)."""
    return qemu.machine(arch or ARCH, platform=board(arch, platform), gic=gic)


def guest_dir(arch=None):
    """Where the in-tree test guests of an architecture are built."""
    return BUILD / "guests" / (arch or ARCH)


def build_image(name, configs=(), log="info", app="hv", extra=(), arch=None, platform=None):
    """Builds build/systest/<name>/cvisor.bin embedding `configs` (paths relative to the repo)."""
    image_dir = SYSTEST / name
    args = ["make", "-s", "CONFIG_MK=", f"BUILD={BUILD}", f"ARCH={arch or ARCH}", f"APP={app}", f"LOG={log}",
            f"IMAGE_DIR={image_dir}"]
    if board(arch, platform):
        args.append(f"PLATFORM={board(arch, platform)}")
    if configs:
        args.append("VM_CONFIGS=" + ":".join(str(c) for c in configs))
    r = subprocess.run(args + list(extra) + ["build"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, f"build failed:\n{r.stdout}\n{r.stderr}"
    return image_dir / "cvisor.bin", r.stderr


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """In QEMU's child process: a SIGKILL when the test runner goes away, however it ends."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


# Every QEMU started by the running test; conftest.py closes them when the test ends, passed or
# failed, so no QEMU outlives its test.
live_machines = []


def close_all_machines():
    while live_machines:
        live_machines.pop().close()


class Machine:
    """One QEMU run. expect() matches regular expressions on the console; the full output is
    kept in .output and in build/systest/<name>.log."""

    def __init__(self, image, name, smp=2, mem="2G", timeout=60, extra=(), gic=3, arch=None, platform=None):
        self.log_path = SYSTEST / f"{name}.log"
        self.log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        cmd = qemu_machine(arch, platform, gic) + ["-smp", str(smp), "-m", mem, "-kernel", str(image)] + list(extra)
        self.child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace", timeout=timeout,
                                   cwd=str(REPO), preexec_fn=_die_with_parent)
        live_machines.append(self)
        self.child.logfile_read = self.log
        self.output = ""

    def expect(self, pattern, timeout=None):
        """Waits for a regex (at most timeout seconds, else the machine's timeout); returns the
        match object."""
        try:
            # pexpect waits for ever on timeout=None; -1 means the spawn's own timeout
            self.child.expect(pattern, timeout=-1 if timeout is None else timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            console = self.text()
            cpus = self.dump_cpus() if isinstance(e, pexpect.TIMEOUT) else ""
            raise AssertionError(self.failure_report(pattern, e, console, cpus)) from e
        return self.child.match

    def failure_report(self, pattern, e, console, cpus):
        """What a failed expect says: short enough that a CI page that keeps only the start and
        the end of the output still shows the console's last lines (they come last)."""
        why = "timed out" if isinstance(e, pexpect.TIMEOUT) else "QEMU exited"
        pcs = "\n".join(m.strip()[:100] for m in re.findall(r"^\s*(?:PC=|PSTATE=|RIP=|pc +|CPU#).*$", cpus, re.M)[:16])
        tail = "\n".join([line.rstrip() for line in console.splitlines() if line.strip()][-60:])
        return (f"{why} waiting for {pattern!r}; full log: {self.log_path}\n"
                f"--- CPUs at the timeout (QEMU monitor) ---\n{pcs}\n"
                f"--- the console's last 60 lines ---\n{tail}")

    def dump_cpus(self):
        """A hang's post-mortem: every CPU's registers from QEMU's monitor (-nographic muxes it
        on the console, Ctrl-A c), appended to the log, where a PC can be looked up in the ELF; returns
        what the monitor printed."""
        if not self.child.isalive():
            return ""
        start = len(self.text())
        try:
            self.log.write("\n=== test timed out: QEMU monitor, info registers -a ===\n")
            self.child.send("\x01c")
            self.child.sendline("info registers -a")
            self.child.expect(pexpect.TIMEOUT, timeout=3)
        except (pexpect.EOF, OSError):
            pass
        return self.text()[start:]

    def sendline(self, s):
        self.child.sendline(s)

    def send(self, s):
        self.child.send(s)

    def wait_exit(self, timeout=60):
        """Waits for QEMU to exit by itself (the hypervisor powered off); returns its status."""
        try:
            self.child.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT as e:
            raise AssertionError(f"QEMU did not power off; console:\n{self.text()}") from e
        self.child.close()
        return self.child.exitstatus

    def text(self):
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)
        if not self.log.closed:
            self.log.close()
        if self in live_machines:
            live_machines.remove(self)


def run_to_completion(name, configs, smp=2, log="info", timeout=60, app="hv", gic=3, status=0, arch=None,
                      platform=None, mem="2G", run_name=None, build_extra=(), qemu_extra=()):
    """Builds, boots, waits for power-off; returns the console text (asserting QEMU's exit status:
    0, or 1 where cvisor reports a failure: no VM could be started, a panic). run_name names the
    run's log when one image is booted in several ways."""
    image, _ = build_image(name, configs, log=log, app=app, extra=build_extra, arch=arch, platform=platform)
    m = Machine(image, run_name or name, smp=smp, mem=mem, timeout=timeout, extra=qemu_extra, gic=gic, arch=arch,
                platform=platform)
    try:
        exit_status = m.wait_exit(timeout)
        text = m.text()
    finally:
        m.close()
    assert exit_status == status, f"QEMU exit status {exit_status}, not {status}; console:\n{text}"
    return text


def lines_matching(text, pattern):
    return [l for l in text.splitlines() if re.search(pattern, l)]
