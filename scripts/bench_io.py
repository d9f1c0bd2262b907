#!/usr/bin/python3
"""I/O throughput benchmarks for `make bench` (docs/bench.md): Debian's Linux reads and writes
its virtio-blk disk with dd, under cvisor (cvisor's virtio-blk over a file on the FAT disk) and
on bare QEMU (QEMU's own virtio-blk), and two Linux VMs under cvisor send each other 16 MiB over
cvisor's virtio-net switch.

Unlike the rest of `make bench`, these run WITHOUT -icount: with instruction counting, time
stops advancing while every CPU waits for QEMU's disk, so a transfer's guest-visible time would
leave out the I/O it measures. The guest's clock then follows the host's, so the values are
MB/s of wall-clock time under QEMU TCG: they vary with the host's speed and load (the machine
is shared) and are not repeatable to the instruction. They are not part of `make test`.

usage: /usr/bin/python3 scripts/bench_io.py [--build DIR] [--cache-dir DIR]   (runs them alone)
"""
import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import qemu  # the platform's QEMU command line (scripts/qemu.py)

REPO = Path(__file__).resolve().parents[1]
ARCH = "aarch64"
BLK_CONFIG = "configs/vms/linux-virtio-blk-aarch64.toml"  # /dev/vda: /guest/vdisk.img on the FAT disk
NET_CONFIGS = "configs/vms/linux-net-a-aarch64.toml:configs/vms/linux-net-b-aarch64.toml"
LINUX_APPEND = "console=ttyAMA0 earlycon=pl011,0x09000000 rdinit=/init"
DISK_MIB = 32   # the virtio-blk disk: written whole, then read whole
NET_MIB = 16    # sent from one VM to the other
PROMPT = "~ # "
ESC = "\x1d"    # Ctrl-]: the next console
MT = dict(os.environ, MTOOLS_SKIP_CHECK="1")


class IoBenchError(Exception):
    pass


class Guest:
    """QEMU with Linux on its console (pexpect), for commands and their output."""

    def __init__(self, cmd, log_path, timeout):
        import pexpect  # only the full `make bench` needs it
        self.pexpect = pexpect
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "w", encoding="utf-8")
        self.child = pexpect.spawn(cmd[0], cmd[1:], cwd=str(REPO), encoding="utf-8", codec_errors="replace",
                                   timeout=timeout, logfile=self.log)
        self.seq = 0

    def expect(self, pattern, timeout=-1):
        try:
            self.child.expect(pattern, timeout=timeout)
        except (self.pexpect.TIMEOUT, self.pexpect.EOF) as e:
            raise IoBenchError(f"waiting for {pattern!r}: {type(e).__name__} (see {self.log_path})") from None
        return self.child.match

    def run(self, cmd, timeout=-1):
        """Runs cmd in the focused shell; returns its output."""
        self.seq += 1
        self.child.sendline(f"echo B{self.seq}$((1+1)); {cmd}; echo E{self.seq}$((2+2))")
        m = self.expect(rf"(?s)B{self.seq}2\s*?\n(.*?)E{self.seq}4", timeout)
        self.expect(re.escape(PROMPT))
        return m.group(1).replace("\r", "")

    def focus(self, vm_name):
        for _ in range(4):
            self.child.send(ESC)
            m = self.expect(r"--- (cvisor shell|console of vm\d '([^']*)' \(Ctrl)")
            if m.group(2) == vm_name:
                self.child.sendline("")
                self.expect(re.escape(PROMPT))
                return
        raise IoBenchError(f"no console for {vm_name} (see {self.log_path})")

    def close(self):
        self.child.close(force=True)
        self.log.close()


def timed(g, cmd, mib, what, timeout=600):
    """MB/s of mib MiB moved by cmd in the guest, timed by the guest's clock (/proc/uptime, 10 ms
    resolution; busybox's dd prints no time of its own)."""
    out = g.run(f"a=$(cut -d' ' -f1 /proc/uptime); {cmd}; echo status=$?; b=$(cut -d' ' -f1 /proc/uptime); "
                "echo elapsed $a $b", timeout)
    m = re.search(r"status=(\d+)\s+elapsed ([0-9.]+) ([0-9.]+)", out)
    if not m or m.group(1) != "0" or float(m.group(3)) <= float(m.group(2)):
        raise IoBenchError(f"{what}: failed or no time: {out!r} (see {g.log_path})")
    return mib * (1 << 20) / 1e6 / (float(m.group(3)) - float(m.group(2)))


def blk_run(cmd, log_path, timeout):
    """Boots Linux, writes its whole /dev/vda (fsync), drops the page cache and reads it whole:
    (write MB/s, read MB/s)."""
    g = Guest(cmd, log_path, timeout)
    try:
        g.expect(re.escape(PROMPT), timeout)
        g.run("dmesg -n 1")
        size = g.run("cat /sys/block/vda/size").strip()
        if size != str(DISK_MIB * 2048):
            raise IoBenchError(f"/dev/vda has {size!r} sectors, not {DISK_MIB} MiB (see {log_path})")
        write = timed(g, f"dd if=/dev/zero of=/dev/vda bs=1M count={DISK_MIB} conv=fsync 2>/dev/null", DISK_MIB,
                      "write")
        g.run("sync; echo 3 > /proc/sys/vm/drop_caches")
        read = timed(g, f"dd if=/dev/vda of=/dev/null bs=1M count={DISK_MIB} 2>/dev/null", DISK_MIB, "read")
        return write, read
    finally:
        g.close()


def net_run(cmd, log_path, timeout):
    """Two Linux VMs on cvisor's switch: MB/s of NET_MIB sent with nc from VM 1 to VM 2, timed
    by VM 1's clock until its nc exits."""
    g = Guest(cmd, log_path, timeout)
    try:
        g.expect(re.escape(PROMPT), timeout)  # VM 1's; VM 2 boots beside it
        for vm, ip in (("linux-net-b", "10.0.0.2"), ("linux-net-a", "10.0.0.1")):
            g.focus(vm)
            g.run("dmesg -n 1")
            g.run(f"ip addr add {ip}/24 dev eth0 && ip link set eth0 up && ip link set lo up")
            if vm == "linux-net-b":
                # B's nc reads a pipe that never ends, so it stops only when A is done.
                g.run("(sleep 100000 | nc -l -p 5000 > /dev/null) & sleep 1")
        if "1 packets received" not in g.run("sleep 2; ping -c 1 -W 5 10.0.0.2", timeout=60):
            raise IoBenchError(f"VM 1 cannot reach VM 2 (see {log_path})")
        return timed(g, f"dd if=/dev/zero bs=64k count={NET_MIB * 16} 2>/dev/null | nc 10.0.0.2 5000", NET_MIB,
                     "VM-to-VM transfer")
    finally:
        g.close()


def make_disks(out):
    """A FAT disk holding /guest/vdisk.img (cvisor) and a raw disk of the same size (bare QEMU)."""
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "vdisk.img"
    raw.write_bytes(bytes(DISK_MIB << 20))
    fat = out / "blk-fat.img"
    fat.unlink(missing_ok=True)
    for cmd in (["mkfs.fat", "-C", "-F", "32", str(fat), str((DISK_MIB + 32) * 1024)],
                ["mmd", "-i", str(fat), "::/guest"],
                ["mcopy", "-i", str(fat), str(raw), "::/guest/vdisk.img"]):
        r = subprocess.run(cmd, env=MT, capture_output=True, text=True)
        if r.returncode != 0:
            raise IoBenchError(f"{' '.join(cmd)} failed: {r.stdout}{r.stderr}")
    return fat, raw


def build(build_dir, cache_dir, make):
    """The two cvisor images: Linux with virtio-blk (APP_FEATURES=fs) and the virtio-net pair."""
    out = build_dir / "bench"
    make(["APP=hv", "APP_FEATURES=fs", f"VM_CONFIGS={BLK_CONFIG}", f"IMAGE_DIR={out / 'io-blk'}", "build"],
         "the virtio-blk image")
    make(["APP=hv", f"VM_CONFIGS={NET_CONFIGS}", f"IMAGE_DIR={out / 'io-net'}", "build"], "the virtio-net image")
    return out / "io-blk" / "cvisor.bin", out / "io-net" / "cvisor.bin"


def run_all(build_dir, cache_dir, make, logs, timeout=300, log=print):
    """All the I/O rows: {key: MB/s}."""
    blk_image, net_image = build(build_dir, cache_dir, make)
    img_dir = cache_dir / "images" / ARCH
    linux_image, initramfs = img_dir / f"linux-{ARCH}.Image", img_dir / f"initramfs-{ARCH}.cpio.gz"
    for f in (linux_image, initramfs):
        if not f.is_file():
            raise IoBenchError(f"{f} is missing (run `make guest-images`)")
    fat, raw = make_disks(build_dir / "bench" / "io")
    res = {}
    log(f"running: virtio-blk throughput (wall clock), dd of {DISK_MIB} MiB under cvisor")
    res["blk_write_mb_per_s"], res["blk_read_mb_per_s"] = blk_run(
        qemu.machine(ARCH) + ["-smp", "2", "-m", "2G", "-kernel", str(blk_image),
                              "-drive", f"if=none,file={fat},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"],
        logs / "io-blk-cvisor.log", timeout)
    log(f"running: virtio-blk throughput (wall clock), dd of {DISK_MIB} MiB on bare QEMU")
    res["blk_write_bare_mb_per_s"], res["blk_read_bare_mb_per_s"] = blk_run(
        qemu.machine(ARCH, bare=True) + ["-smp", "1", "-m", "256M", "-kernel", str(linux_image),
                                         "-initrd", str(initramfs), "-append", LINUX_APPEND,
                                         "-drive", f"if=none,file={raw},format=raw,id=d0",
                                         "-device", "virtio-blk-device,drive=d0"],
        logs / "io-blk-bare.log", timeout)
    log(f"running: VM-to-VM network throughput (wall clock), {NET_MIB} MiB with nc")
    res["vm_to_vm_net_mb_per_s"] = net_run(qemu.machine(ARCH) + ["-smp", "2", "-m", "2G", "-kernel", str(net_image)],
                                           logs / "io-net-cvisor.log", timeout)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--cache-dir", default=os.environ.get("CACHE_DIR", str(Path.home() / ".cache" / "cvisor")))
    args = ap.parse_args()
    build_dir = Path(args.build)
    if not build_dir.is_absolute():
        build_dir = REPO / build_dir
    cache_dir = Path(args.cache_dir).expanduser()

    def make(a, what):
        r = subprocess.run(["make", "-s", "CONFIG_MK=", f"BUILD={build_dir}", f"CACHE_DIR={cache_dir}", f"ARCH={ARCH}",
                            "LOG=info"] + a, cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            raise IoBenchError(f"building {what} failed:\n{r.stdout}{r.stderr}")
    try:
        res = run_all(build_dir, cache_dir, make, build_dir / "bench" / "logs")
    except IoBenchError as e:
        print(f"bench_io: error: {e}", file=sys.stderr)
        return 1
    for k, v in res.items():
        print(f"{k}: {v:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
