"""Which hart OpenSBI boots (riscv64). QEMU 7.2's OpenSBI v1.1 (fw_dynamic) lets hart 0 set
itself up first, then every hart races for the cold boot in sbi_init (its "coldboot lottery"):
mostly hart 0 wins, and on a loaded host now and then hart 1, which then enters cvisor as its
boot hart. A test that must see hart 1 win starts QEMU stopped (-S) with its gdbstub on a
private socket, runs hart 0 alone to the instruction after its store of BOOT_HART_DONE (the
point where the other harts leave their wait, fw_base.S), then hart 1 alone until OpenSBI's
banner names it as the boot hart, then every hart. Only the remote protocol's documented
packets are used (breakpoint, vCont with one thread, interrupt, detach)."""
import re
import socket
import time
from pathlib import Path

from cvisor import SYSTEST


def qemu_args(name):
    """QEMU options for a machine whose boot hart boot_on_hart1 chooses: stopped at start, its
    gdbstub on a Unix socket under build/systest (no TCP port shared with other runs)."""
    path = SYSTEST / f"{name}.gdb"
    path.unlink(missing_ok=True)
    return ["-S", "-chardev", f"socket,path={path},server=on,wait=off,id=gdb0", "-gdb", "chardev:gdb0"], path


def _packet(data):
    return f"${data}#{sum(data.encode()) % 256:02x}".encode()


def _reply(sock, timeout=30):
    """One packet's payload (acknowledged), skipping acks and notifications."""
    sock.settimeout(timeout)
    buf = b""
    while True:
        m = re.search(rb"\$([^#]*)#[0-9a-fA-F]{2}", buf)
        if m:
            sock.sendall(b"+")
            return m.group(1).decode()
        chunk = sock.recv(4096)
        if not chunk:
            raise AssertionError("QEMU's gdbstub closed the connection")
        buf += chunk


def _command(sock, data, reply=True):
    sock.sendall(_packet(data))
    return _reply(sock) if reply else None


# QEMU 7.2's OpenSBI v1.1 (Debian 12's qemu-system-data): fw_base.S's boot hart stores
# BOOT_HART_DONE (sd t0, 0(t1), bytes 23 30 53 00) and goes on to _start_warm after it.
OPENSBI_BOOT_HART_DONE_STORE = 0x80000324
OPENSBI_BOOT_HART_DONE = 0x80000328


def boot_on_hart1(m, path, timeout=60):
    """Machine m (2 harts) was started with qemu_args(): makes hart 1 OpenSBI's boot hart, then
    runs every hart (the gdbstub detached). Returns once all run."""
    deadline = time.monotonic() + 30  # (QEMU creates the socket as it starts: slow on a loaded host)
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
        _command(sock, "qSupported")
        store = _command(sock, f"m{OPENSBI_BOOT_HART_DONE_STORE:x},4")
        assert store == "23305300", (f"not the OpenSBI v1.1 this test knows (QEMU 7.2's): {store!r} at "
                                     f"{OPENSBI_BOOT_HART_DONE_STORE:#x}, not its BOOT_HART_DONE store")
        assert _command(sock, f"Z0,{OPENSBI_BOOT_HART_DONE:x},2") == "OK"
        # thread ids are QEMU's CPU index + 1 (one process, no multiprocess extension)
        stop = _command(sock, "vCont;c:1")
        assert re.match(r"T05.*thread:0*1;", stop), f"hart 0 did not stop after OpenSBI's boot-hart setup: {stop!r}"
        assert _command(sock, f"z0,{OPENSBI_BOOT_HART_DONE:x},2") == "OK"
        _command(sock, "vCont;c:2", reply=False)  # hart 0 waits before the cold-boot lottery
        m.expect(r"Boot HART ID\s+: 1\r", timeout=timeout)
        sock.sendall(b"\x03")  # stop it again, then detach: QEMU resumes every CPU
        _reply(sock)
        assert _command(sock, "D") == "OK"
    finally:
        sock.close()
