"""The make interface a new user meets (README's make variables): every plausible mistake gets
a clear message and a non-zero status before anything is built, synonyms work, and the
variables that shape the QEMU machine give the command line they promise (`make print-run`
prints what `make run` would run). Most of this needs no QEMU."""
import os
import re
import shlex
import signal
import subprocess

import pytest
from cvisor import BUILD, REPO

SYSTEST = BUILD / "systest"


def make(*args, timeout=300, **kw):
    """Runs make in the repository with no defconfig file (CONFIG_MK=), unless one is given."""
    cmd = ["make", "--no-print-directory"] + (["CONFIG_MK="] if not any(a.startswith("CONFIG_MK=") for a in args)
                                              else []) + list(args)
    # Its own process group: on a timeout (a check that let `make run` boot a guest), the QEMU
    # it started goes too.
    p = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True, **kw)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        raise AssertionError(f"`{' '.join(cmd)}` still running after {timeout} s:\n{out}")
    return p.returncode, out


def print_run(*args):
    status, out = make("-s", *args, "print-run")
    assert status == 0, out
    return shlex.split(out.strip().splitlines()[-1])


# ---- mistakes: the message, a non-zero status, and nothing built ----

MISTAKES = [
    (["ARCH=arm65"], r"ARCH='arm65': ARCH must be one of aarch64, riscv64, x86_64"),
    (["GIC=4"], r"GIC='4': GIC must be 2 \(GICv2\) or 3 \(GICv3\)"),
    (["GIC=v4"], r"GIC='v4': GIC must be 2 \(GICv2\) or 3 \(GICv3\)"),
    (["LOG=verbose"], r"LOG='verbose': LOG must be one of error, warn, info, debug, trace"),
    (["APP_FEATURES=fss"], r"APP_FEATURES: unknown feature fss \(known: fs\)"),
    (["SMP=two"], r"SMP='two': SMP must be a number of CPUs"),
    (["GIC=2", "SMP=9"], r"SMP=9 with GIC=2: a GICv2 has at most 8 CPUs"),
    (["MEM=lots"], r"MEM='lots': MEM must be a size such as 512M, 2G or 8g"),
    (["BUS=usb"], r"BUS='usb': BUS must be mmio or pci"),
    (["BLK=yes"], r"BLK='yes': BLK must be y or n"),
    (["NET=1"], r"NET='1': NET must be y or n"),
    (["ACCEL=kvm"], r"ACCEL='kvm': ACCEL must be y or n"),
    (["BUS=pci", "APP_FEATURES=fs"], r"APP_FEATURES=fs: cvisor reads its disk over virtio-mmio; use BUS=mmio"),
]


@pytest.mark.parametrize("args,message", MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
@pytest.mark.parametrize("goal", ["build", "run"])
def test_a_mistake_is_named_before_anything_is_built(tmp_path, args, message, goal):
    build = tmp_path / "build"
    status, out = make(f"BUILD={build}", *args, goal, timeout=60)
    assert status != 0, out
    assert re.search(message, out), out
    assert not build.exists(), "something was built before the check"
    assert "CC " not in out and "bootstrap" not in out, out


def test_arm64_and_v3_are_synonyms():
    assert "gic-version=3" in " ".join(print_run("ARCH=arm64", "GIC=v3"))
    assert "gic-version=2" in " ".join(print_run("GIC=gicv2"))


def test_a_fresh_machines_build_says_run_make_guest_images(tmp_path):
    """Without the downloaded guest images (an empty CACHE_DIR), the default VM's images are
    missing: the build says which, that the VM will not start, and how to get them."""
    status, out = make(f"BUILD={BUILD}", f"CACHE_DIR={tmp_path}", f"GUEST_IMAGES_DIR={tmp_path / 'links'}",
                       f"IMAGE_DIR={SYSTEST / 'fresh-machine'}", "build")
    assert status == 0, out
    for name in ("linux-aarch64.Image", "initramfs-aarch64.cpio.gz"):
        assert re.search(rf"'{re.escape(name)}' not found; that VM will not start; run `make guest-images` to "
                         rf"fetch it", out), out


def test_disk_configs_take_colons_or_spaces(tmp_path):
    configs = ["configs/vms/hello-aarch64.toml", "configs/vms/ticker-aarch64.toml"]
    for sep, name in ((":", "colons.img"), (" ", "spaces.img")):
        disk = tmp_path / name
        status, out = make(f"BUILD={BUILD}", f"DISK_IMG={disk}", "DISK_CONFIGS=" + sep.join(configs), "disk_img")
        assert status == 0, out
        listing = subprocess.run(["mdir", "-i", str(disk), "-b", "::/guest/vm_default"], capture_output=True,
                                 text=True, env={"MTOOLS_SKIP_CHECK": "1", "PATH": "/usr/bin:/bin"}).stdout
        assert "hello-aarch64.toml" in listing and "ticker-aarch64.toml" in listing, (sep, listing)
    status, out = make(f"BUILD={BUILD}", f"DISK_IMG={tmp_path / 'x.img'}", "DISK_CONFIGS=configs/vms/nope.toml",
                       "disk_img")
    assert status != 0 and "DISK_CONFIGS: VM config 'configs/vms/nope.toml' does not exist" in out, out


def test_disk_images_made_in_the_tree_are_ignored_by_git():
    for path in ("my.img", "configs/my.img", ".config.mk"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO).returncode == 0, path


def test_make_run_fails_when_no_vm_could_be_started():
    """cvisor powers off with a failure status (QEMU's pvpanic device, `-action
    panic=exit-failure`): QEMU exits 1 and so does `make run`, and the last lines say why."""
    status, out = make(f"BUILD={BUILD}", "VM_CONFIGS=tests/configs/invalid/missing-field.toml",
                       f"IMAGE_DIR={SYSTEST / 'no-vm'}", "run", timeout=300)
    assert status != 0, out
    last = [l for l in out.replace("\r", "").splitlines() if l.strip()][-4:]
    assert re.search(r"E: no VM could be started", "\n".join(last)), last
    assert re.search(r"I: cvisor: no VM could be started; powering off with a failure status", "\n".join(last)), last
    assert "make run: QEMU exited with status 1: cvisor reported a failure" in last[-2] + last[-1], last


# ---- the rest of the original's make interface ----

def test_defconfig_writes_defaults_that_a_later_make_picks_up(tmp_path):
    config = tmp_path / "config.mk"
    status, out = make("-s", f"CONFIG_MK={config}", "ARCH=arm64", "GIC=2", "SMP=4", "defconfig")
    assert status == 0, out
    assert f"wrote {config} (ARCH=aarch64 SMP=4 GIC=2)" in out, out
    text = config.read_text()
    for line in ("ARCH ?= aarch64", "GIC ?= 2", "SMP ?= 4", "LOG ?= info",
                 "VM_CONFIGS ?= configs/vms/linux-aarch64.toml"):
        assert line in text.splitlines(), text
    later = " ".join(print_run(f"CONFIG_MK={config}"))
    assert "gic-version=2" in later and "-smp 4" in later, later
    assert "gic-version=3" in " ".join(print_run(f"CONFIG_MK={config}", "GIC=3"))  # the command line wins
    # without the file, the built-in defaults
    default = " ".join(print_run(f"CONFIG_MK={tmp_path / 'none.mk'}"))
    assert "gic-version=3" in default and "-smp 2" in default and "-m 2G" in default, default
    status, out = make("-s", f"CONFIG_MK={config}", "ARCH=x86_64", "defconfig")
    assert status != 0 and "defconfig: no defaults for ARCH=x86_64" in out, out


def test_accel_y_says_why_kvm_cannot_run_cvisor_here(tmp_path):
    """This machine's KVM cannot run a hypervisor as its guest: ACCEL=y says why, before
    anything is built, instead of a QEMU error after the build."""
    build = tmp_path / "build"
    status, out = make(f"BUILD={build}", "ACCEL=y", "run", timeout=60)
    assert status != 0, out
    assert "ACCEL=y: KVM cannot run cvisor on this machine:" in out, out
    assert re.search(r"this machine is \S+ and cvisor is built for aarch64|/dev/kvm|vmx/svm|EL2", out), out
    assert "Use ACCEL=n (the default)" in out and not build.exists(), out


def qemu_accepts(cmd, tmp_path):
    """QEMU builds the machine of this command line (devices, ROMs) and exits: dumpdtb."""
    dtb = tmp_path / "machine.dtb"
    r = subprocess.run(cmd + ["-machine", f"dumpdtb={dtb}"], capture_output=True, text=True, timeout=60)
    return r.returncode == 0 and dtb.exists(), r.stderr


@pytest.mark.parametrize("bus", ["mmio", "pci"])
def test_blk_net_bus_mem_smp_give_the_machine_they_promise(tmp_path, bus):
    disk = tmp_path / "disk.img"
    disk.write_bytes(bytes(1 << 20))
    plain = print_run(f"BUS={bus}")
    assert "-drive" not in plain and "-netdev" not in plain and "-nic" in plain  # nothing unasked for
    cmd = print_run(f"BUS={bus}", "BLK=y", "NET=y", f"DISK_IMG={disk}", "MEM=8g", "SMP=4")
    line = " ".join(cmd)
    suffix = "pci,romfile=" if bus == "pci" else "device"  # PCI: no option ROM (a fresh machine has none)
    assert f"-drive if=none,file={disk},format=raw,id=blk0 -device virtio-blk-{suffix},drive=blk0" in line, line
    assert f"-netdev user,id=net0 -device virtio-net-{suffix},netdev=net0" in line, line
    assert "-m 8g" in line and "-smp 4" in line, line
    ok, err = qemu_accepts(cmd, tmp_path)
    assert ok, err


def test_a_vm_is_given_the_blk_and_net_devices_on_an_8g_machine(tmp_path):
    """BLK=y NET=y MEM=8g: the hypervisor sees 8 GiB, leaves the disk alone (no APP_FEATURES=fs)
    and gives both virtio-mmio devices to the VM that names them; Linux there finds them in its
    device tree, its virtio-mmio driver reads their registers (device ids 2 = block and
    1 = network) and virtio_blk makes a disk of the first.
    The RTC, given in the explicit [name, gpa, hpa, size, irq] form, gets its node too (rtc0)."""
    from cvisor import Machine, build_image
    disk = tmp_path / "disk.img"
    disk.write_bytes(bytes(1 << 20))
    image, _ = build_image("virtio-passthrough", ["configs/vms/linux-virtio-pt-aarch64.toml"])
    cmd = print_run("BLK=y", "NET=y", f"DISK_IMG={disk}", "MEM=8g")
    devices = cmd[cmd.index("-kernel") + 2:]  # the part BLK/NET add, from the one definition
    m = Machine(image, "virtio-passthrough", mem="8g", timeout=240, extra=devices)
    try:
        m.expect(r"8192 MiB RAM")
        m.expect(r"passthrough by path: 2 devices \(2 ranges, 2 interrupts\); 0 kept by the hypervisor")
        m.expect(r"~ # ", timeout=180)
        # (not devmem: the drivers own the registers once bound)
        m.sendline("cat /sys/bus/virtio/devices/virtio*/device | sort | tr '\\n' ' '; echo; cat /sys/block/vda/size; "
                   "ls -1 /proc/device-tree/; ls /sys/class/rtc")
        m.expect(r"0x0001 0x0002 \s+2048\s")
        m.expect(r"\spl031@9010000\s")  # given by address, at its own address: the host node is copied
        m.expect(r"virtio_mmio@a003c00\s+virtio_mmio@a003e00\s")
        m.expect(r"\srtc0\s")
        m.expect(r"~ # ")
        assert "blockdev: virtio-blk" not in m.text()  # the hypervisor did not take the disk
        m.sendline("poweroff -f")
        assert m.wait_exit(60) == 0
    finally:
        m.close()


def test_check_config_passes_a_good_config_and_checks_against_a_given_board(tmp_path):
    """`make check-config`: the complete example fits the default QEMU machine (status 0); on a
    board DTB with one CPU and a GICv2 (here dumped from QEMU), its two vCPUs pinned to MPIDRs 0
    and 1 do not, and the tool says so with the file, line and field."""
    status, out = make("-s", f"BUILD={BUILD}", f"IMAGE_DIR={SYSTEST / 'check-example'}",
                       "VM_CONFIGS=configs/vms/linux-aarch64-example.toml", "check-config")
    assert status == 0 and "cvisor-check: 1 of 1 VMs would start; 0 errors, 1 warnings" in out, out
    # as the boot says it: the example names the console UART, which becomes an emulated PL011
    assert re.search(r"^W: configs/vms/linux-aarch64-example.toml:\d+: devices.passthrough_devices\[0\]: "
                     r"\[0x9000000, 0x9001000\) is the hypervisor's console UART", out, re.M), out
    board = tmp_path / "board.dtb"
    cmd = print_run("GIC=2", "SMP=1")
    subprocess.run(cmd[:cmd.index("-kernel")] + ["-machine", f"dumpdtb={board}"], capture_output=True, timeout=60)
    status, out = make("-s", f"BUILD={BUILD}", f"IMAGE_DIR={SYSTEST / 'check-example'}", f"DTB={board}",
                       "VM_CONFIGS=configs/vms/linux-aarch64-example.toml", "check-config")
    assert status != 0, out
    assert re.search(r"^E: configs/vms/linux-aarch64-example.toml:\d+: base\.(cpu_num|phys_cpu_ids)", out, re.M), out
    assert "cvisor-check: 0 of 1 VMs would start" in out, out
    status, out = make("-s", f"BUILD={BUILD}", "VM_CONFIGS=", "check-config")
    assert status != 0 and "check-config: give the configs: VM_CONFIGS=a.toml:b.toml" in out, out
