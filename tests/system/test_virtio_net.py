"""cvisor's virtio-net and its switch (docs/virtio.md) between two Debian Linux VMs, each 1 vCPU on
its own pCPU: the drivers bind with the configured and the derived MAC, ping works both ways, 16
MiB cross by nc with matching checksums, `vm stats` counts the frames, and a VM stopped and
started while the other floods it leaves the hypervisor and the other VM working. Needs
`make guest-images` (the initramfs carries virtio_net and its dependencies)."""
import re
import time

from cvisor import Machine, build_image
from test_virtio import ESC, PROMPT, run

NET_A = "configs/vms/linux-net-a-aarch64.toml"
NET_B = "configs/vms/linux-net-b-aarch64.toml"
MAC_A = "02:00:00:00:00:0a"  # from A's cfg list
MAC_B = "02:63:76:00:00:02"  # derived from B's VM id


def focus(m, what, prompt=True):
    """Ctrl-] until the console of `what` (a VM name, or "shell") has the focus; then, unless
    prompt is false (a VM still booting), waits for its prompt."""
    banner = r"--- cvisor shell" if what == "shell" else rf"--- console of vm\d '{what}' \(Ctrl"
    for _ in range(4):
        m.send(ESC)
        match = m.expect(r"--- (cvisor shell|console of vm\d '[^']*'( hvc0)? \(Ctrl)")
        if re.match(banner, match.group(0)):
            if what == "shell":
                m.expect(r"cvisor> ")
            elif prompt:
                m.sendline("")
                m.expect(re.escape(PROMPT))
            return
    raise AssertionError(f"no console for {what}")


def shell(m, cmd):
    """A cvisor shell command's output (the shell has the focus)."""
    m.sendline(cmd)
    m.expect(re.escape(cmd))
    match = m.expect(r"(?s)\n(.*?)cvisor> ")
    return match.group(1).replace("\r", "")


def stats(m, vm_id):
    out = shell(m, f"vm stats {vm_id}")
    match = re.search(r"net ([0-9a-f:]{17}) on network (\d+): sent (\d+) frames \((\d+) bytes\), (\d+) refused, (\d+) over the "
                      r"flood limit; "
                      r"received (\d+) frames \((\d+) bytes\); dropped for it: (\d+) queue full, (\d+) no receiver",
                      out)
    assert match, out
    g = match.groups()
    return dict(mac=g[0], network=int(g[1]), tx=int(g[2]), tx_bytes=int(g[3]), refused=int(g[4]), flood=int(g[5]),
                rx=int(g[6]), rx_bytes=int(g[7]), full=int(g[8]), absent=int(g[9]))


def bring_up(m, ip, mac):
    run(m, "dmesg -n 1")  # kernel messages off the console: they would land inside outputs
    assert run(m, "cat /sys/bus/virtio/devices/virtio0/device").strip() == "0x0001"
    assert run(m, "cat /sys/class/net/eth0/address").strip() == mac
    run(m, f"ip addr add {ip}/24 dev eth0 && ip link set eth0 up && ip link set lo up")
    # VIRTIO_NET_F_STATUS says the link is up; Linux's link watch reports it shortly after.
    assert run(m, "for i in $(seq 20); do [ $(cat /sys/class/net/eth0/operstate) = up ] && break; sleep 0.5; done; "
                  "cat /sys/class/net/eth0/operstate").strip() == "up"


def test_two_linux_vms_ping_and_move_16_mib_through_the_switch():
    image, _ = build_image("virtio-net", [NET_A, NET_B])
    m = Machine(image, "virtio-net", smp=2, timeout=300)
    try:
        m.expect(r"vm1.*virtio-net: MAC 02:00:00:00:00:0a on network 0")
        m.expect(r"vm2.*virtio-net: MAC 02:63:76:00:00:02 on network 0")
        m.expect(r"cvisor-guest: init started", timeout=240)
        m.expect(re.escape(PROMPT))
        bring_up(m, "10.0.0.1", MAC_A)
        focus(m, "linux-net-b")
        bring_up(m, "10.0.0.2", MAC_B)
        out = run(m, "ping -c 3 10.0.0.1", timeout=60)
        assert "3 packets transmitted, 3 packets received" in out, out
        # B listens (its stdin a pipe that never ends, so nc stops only when A is done).
        run(m, "(sleep 100000 | nc -l -p 5000 > /tmp/r) & sleep 1")
        focus(m, "linux-net-a")
        out = run(m, "ping -c 3 10.0.0.2", timeout=60)
        assert "3 packets transmitted, 3 packets received" in out, out
        run(m, "dd if=/dev/urandom of=/tmp/f bs=1M count=16 2>/dev/null")
        sum_a = run(m, "md5sum /tmp/f").split()[0]
        out = run(m, "a=$(cat /proc/uptime); nc 10.0.0.2 5000 < /tmp/f; echo rc=$?; b=$(cat /proc/uptime); "
                     "echo took ${a%% *} ${b%% *}", timeout=600)
        assert "rc=0" in out, out
        took = re.search(r"took ([\d.]+) ([\d.]+)", out)
        seconds = float(took.group(2)) - float(took.group(1))
        print(f"16 MiB A->B in {seconds:.1f} s guest time: {16 / seconds:.2f} MiB/s")
        focus(m, "linux-net-b")
        out = run(m, "while [ $(ls -l /tmp/r | awk '{print $5}') -lt 16777216 ]; do sleep 1; done; md5sum /tmp/r",
                  timeout=120)
        assert out.split()[0] == sum_a, out
        focus(m, "shell")
        a, b = stats(m, 1), stats(m, 2)
        assert a["mac"] == MAC_A and b["mac"] == MAC_B and a["network"] == b["network"] == 0
        # 16 MiB in frames of at most 1500 bytes of payload: over 11,000 frames A to B.
        assert b["rx_bytes"] > 16 << 20 and b["rx"] > 11000, b
        assert a["tx"] >= b["rx"] and a["rx"] > 100, (a, b)  # data one way, acks the other
        assert a["refused"] == b["refused"] == 0

        # B stopped, started and restarted while A floods it (a TCP stream at full speed and
        # 20 pings a second): its port goes with it, no frame reaches its freed memory, the
        # hypervisor and A go on, and the new B is reachable again.
        focus(m, "linux-net-b")
        run(m, "(sleep 100000 | nc -l -p 5001 > /dev/null) & sleep 1")
        focus(m, "linux-net-a")
        run(m, "(cat /dev/zero | nc 10.0.0.2 5001) > /dev/null 2>&1 & ping -i 0.05 10.0.0.2 > /dev/null 2>&1 & sleep 2")
        focus(m, "shell")
        before = stats(m, 2)["rx"]
        time.sleep(2)
        assert stats(m, 2)["rx"] > before  # the flood is on
        for action in ("stop", "restart"):
            if action == "stop":
                m.sendline("vm stop 2")
                m.expect(r"vm2 'linux-net-b' ended")
                out = shell(m, "vm stats 2")
                assert "net " not in out, out  # stopped: no port any more
                sent = stats(m, 1)["tx"]
                time.sleep(2)
                assert stats(m, 1)["tx"] > sent  # A goes on sending, to nobody
                m.sendline("vm start 2")
                m.expect(r"vm2.*virtio-net: MAC 02:63:76:00:00:02 on network 0")
                m.expect(r"vm2 'linux-net-b': 1 vCPU on pCPU 1")
            else:
                m.sendline("vm restart 2")
                m.expect(r"vm2 'linux-net-b' is restarting")
                m.expect(r"vm2.*virtio-net: MAC 02:63:76:00:00:02 on network 0")
            focus(m, "linux-net-b", prompt=False)
            m.expect(r"cvisor-guest: init started", timeout=240)
            m.expect(re.escape(PROMPT))
            # A's frames reached the new port before B's driver was up, or before its interface
            # had receive buffers: dropped and counted.
            focus(m, "shell")
            b = stats(m, 2)
            assert b["absent"] + b["full"] > 0 and b["rx"] == 0, b
            focus(m, "linux-net-b")
            bring_up(m, "10.0.0.2", MAC_B)
            out = run(m, "ping -c 3 10.0.0.1", timeout=60)
            assert "3 packets transmitted, 3 packets received" in out, out
            if action == "stop":
                run(m, "(sleep 100000 | nc -l -p 5001 > /dev/null) & sleep 1")
                focus(m, "linux-net-a")
                run(m, "(cat /dev/zero | nc 10.0.0.2 5001) > /dev/null 2>&1 & sleep 2")
                focus(m, "shell")
        focus(m, "linux-net-a")
        out = run(m, "ping -c 3 10.0.0.2", timeout=60)
        assert "3 packets transmitted, 3 packets received" in out, out
        text = m.text()
        assert "panic" not in text.lower() and "vm1 'linux-net-a' ended" not in text
    finally:
        m.close()


VHOSTILE_NET = "tests/configs/hostile/virtio-net.toml"


def test_hostile_virtio_net_driver_breaks_only_its_own_device():
    """guests/vhostile on network 0 feeds its virtio-net transmit queue malformed chains for ever
    (pCPU 1): its device asks for a reset each time, never anything worse; the broadcast frame it
    sends after each reset reaches Linux (pCPU 0) through the switch, which goes on working."""
    image, _ = build_image("virtio-net-hostile", [NET_A, VHOSTILE_NET])
    m = Machine(image, "virtio-net-hostile", smp=2, timeout=240)
    try:
        m.expect(r"cvisor-guest: init started", timeout=180)
        m.expect(re.escape(PROMPT))
        bring_up(m, "10.0.0.1", MAC_A)
        first = int(run(m, "cat /sys/class/net/eth0/statistics/rx_packets"))
        later = m.expect(r"vhostile: round (\d+): (\d+) attacks refused, (\d+) failures", timeout=60)
        assert later.group(3) == "0", later.group(0)
        run(m, "sleep 3")
        more = int(run(m, "cat /sys/class/net/eth0/statistics/rx_packets"))
        assert more > first, (first, more)  # vhostile's frames, one per round, reach Linux
        focus(m, "shell")
        h, a = stats(m, 7), stats(m, 1)
        # The hostile VM sends broadcasts as fast as its attacks go: over the flood limit (500 a
        # second, reached or not depending on the machine's speed) they are dropped at its port.
        # Every other frame it sent (read first) went to A's port: delivered, dropped and
        # counted (before A's driver ran, or a full queue), or still in its queue of 64.
        assert h["mac"] == "02:00:00:00:00:77" and h["refused"] == 0 and a["rx"] > 0, (a, h)
        assert a["rx"] + a["absent"] + a["full"] + 64 >= h["tx"] - h["flood"] > 0, (a, h)
        text = m.text()
        for what in ["descriptor chain longer than its table (loop)", "buffer outside the VM's RAM",
                     "bad indirect descriptor"]:
            assert re.search(rf"vm7.*virtio-net@0xa000000: queue 1: {re.escape(what)}; the device stops", text), what
        assert "vhostile: round 1: 19 attacks refused, 0 failures, device working" in text
        assert "panic" not in text.lower() and " ended" not in text
        focus(m, "linux-net-a")
        assert run(m, "echo still $((6*7))").strip() == "still 42"
    finally:
        m.close()
