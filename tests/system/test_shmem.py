"""Shared memory between VMs (docs/shmem.md) with the guests/shmem pair: ping and pong map one
region (each at its own guest address) and exchange 10,000 messages with doorbell interrupts,
then share an IVC channel through axvisor's publish/subscribe calls; an intruder VM rings and
drops what is not its own and reads another VM's region address. Then the shell
stops and restarts ping while pong keeps reading the region, and the region's pages go back
only when its last user stops."""
import re
import subprocess

from cvisor import BUILD, REPO, SYSTEST, Machine, build_image

ESC = "\x1d"  # Ctrl-]
CONFIGS = ["configs/vms/shmem-ping-aarch64.toml", "configs/vms/shmem-pong-aarch64.toml",
           "configs/vms/shmem-intruder-aarch64.toml"]
REGION_PAGES = 64  # "pingpong": 256 KiB


def shell(m, cmd, expect=r"cvisor> "):
    m.sendline(cmd)
    return m.expect(expect)


def free_pages(m):
    return int(shell(m, "mem", r"pages: (\d+) free, \d+ used").group(1))


def pong_beat(m):
    """The next heartbeat of pong after now: what it reads in the region."""
    g = m.expect(r"\[vm2\] shmem\(vm2\): pong holds the region: ping_seq (\d+), pong_seq (\d+), ping boots (\d+), "
                 r"beat (\d+), doorbells (\d+)")
    return [int(x) for x in g.groups()]


def test_shmem_pair_doorbells_intruder_and_last_user_frees():
    image, _ = build_image("shmem", CONFIGS)
    m = Machine(image, "shmem", timeout=180)
    try:
        m.expect(r"vm1 I: shared region 'pingpong' \(256 KiB\) at gpa 0x50000000 \(new, zeroed\), 1 user")
        m.expect(r"vm2 I: shared region 'pingpong' \(256 KiB\) at gpa 0x60000000, 2 users")
        # Each side counted every message and exactly one doorbell interrupt per message: the
        # intruder's calls added none.
        m.expect(r"\[vm1\] shmem\(vm1\): ping done: 10000 messages sent, 0 replies checked bad, 10000 doorbells "
                 r"received, 0 other interrupts")
        # pong prints its own total on the other pCPU after answering the last message: it may come
        # just before ping's line or just after it.
        pong_done = (r"\[vm2\] shmem\(vm2\): pong done: 10000 messages answered, 0 bad, 10000 doorbells "
                     r"received, 0 other interrupts")
        if not re.search(pong_done, m.text()):
            m.expect(pong_done, timeout=30)
        out = m.text()
        # ping's generated device tree describes the region (docs/shmem.md).
        assert "[vm1] shmem(vm1): device tree: cvisor,shmem yes, generic-uio yes, region pingpong yes" in out
        # The intruder: its own region has no peer (0 rung); any other index is refused; ping's
        # region address is nothing in its space, and reading it ends the intruder alone.
        assert "[vm3] shmem(vm3): intruder: own region -> 0, index 1 -> -2, index -1 -> -2, base of 1 -> -2" in out
        assert ("[vm3] shmem(vm3): intruder: ivc unpublish ping's -> -2, unsubscribe -> -2, ring -> -2, publish too big "
                "-> -2, wild pointer -> -3, subscribe missing -> -2, own -> -2") in out
        assert re.search(r"vm3 E: vm3 'intruder' ended: fault \(vcpu0: read at guest-physical 0x50000000 outside "
                         r"its memory", out), out
        assert "intruder: READ" not in out
        assert re.search(r"vm3 I: shared region 'lonely': last user gone, 1 pages scrubbed and freed", out), out

        # axvisor's IVC calls: ping publishes (cvisor maps 3 pages in its IVC window and says
        # where), pong subscribes with axvisor's bare call form and finds ping's data, rings back;
        # after ping unpublishes, pong still reads the channel, cannot subscribe anew, and its
        # unsubscribe frees the pages.
        m.expect(r"\[vm2\] shmem\(vm2\): ivc: after unpublish reads 0xc0ffee, subscribe -> -2, unsubscribe -> 0, "
                 r"again -> -2")
        out = m.text()
        for line in (r"vm1 I: ivc channel 1:42 published: 12 KiB at gpa 0x58000000, 1 user",
                     r"vm2 I: ivc channel 1:42 subscribed: 12 KiB at gpa 0x68000000, 2 users",
                     r"\[vm1\] shmem\(vm1\): ivc: publish key 0x42 -> 0, gpa 0x58000000, 12288 bytes; again -> -2",
                     r"\[vm2\] shmem\(vm2\): ivc: subscribe -> 0, gpa 0x68000000, 12288 bytes, magic 0xc0ffee, ring -> 1",
                     r"\[vm1\] shmem\(vm1\): ivc: reply 0xbeef after 1 doorbell; unpublish -> 0, again -> -2, ring -> -2",
                     r"vm1 I: ivc channel 1:42 unpublished\r?\n",
                     r"vm2 I: ivc channel 1:42 unsubscribed, last user gone: freed"):
            assert re.search(line, out), line

        m.send(ESC)
        m.expect(r"cvisor> ")
        shell(m, "shmem", r"shmem 'pingpong': 64 pages at 0x[0-9a-f]+, 2 users: vm1 vm2")
        free0 = free_pages(m)

        # ping stops: pong keeps its mapping and still reads ping's last message there.
        shell(m, "vm stop 1", r"shared region 'pingpong': released, 1 user left")
        shell(m, "shmem", r"shmem 'pingpong': 64 pages at 0x[0-9a-f]+, 1 user: vm2")
        free1 = free_pages(m)
        beat = pong_beat(m)
        later = pong_beat(m)
        assert beat[:3] == [10000, 10000, 1] and later[:3] == [10000, 10000, 1] and later[3] > beat[3], (beat, later)
        assert later[4] == 10000

        # ping restarts: it joins the existing region (not created, not zeroed again: its boot
        # count goes from 1 to 2), which pong, never remapped, reads in the same pages.
        shell(m, "vm start 1", r"vm1 I: shared region 'pingpong' \(256 KiB\) at gpa 0x50000000, 2 users")
        m.expect(r"\[vm1\] shmem\(vm1\): region 0 at 0x50000000")
        shell(m, "vm stop 1", r"shared region 'pingpong': released, 1 user left")
        pong_beat(m)  # may have been printed before ping's write
        assert pong_beat(m)[:3] == [10000, 10000, 2]
        assert free_pages(m) == free1

        # pong, the last user, stops: now the region's pages are freed. The two VMs are alike
        # but for the region, so pong frees exactly its 64 pages more than ping did.
        shell(m, "vm stop 2", r"shared region 'pingpong': last user gone, 64 pages scrubbed and freed")
        shell(m, "shmem", r"no shared regions")
        free2 = free_pages(m)
        assert (free2 - free1) - (free1 - free0) == REGION_PAGES, (free0, free1, free2)
    finally:
        m.close()


def test_shmem_size_mismatch_refused_at_boot_and_by_check_config():
    """A third VM naming "pingpong" with another size is refused (naming both files, the field
    and the sizes) while ping and pong run; `make check-config` prints the same errors."""
    configs = CONFIGS[:2] + ["tests/configs/shmem/size-mismatch.toml"]
    image, _ = build_image("shmem-mismatch", configs)
    m = Machine(image, "shmem-mismatch", timeout=120)
    try:
        m.expect(r"\[vm1\] shmem\(vm1\): ping done: 10000 messages sent, 0 replies checked bad")
        out = m.text()
    finally:
        m.close()
    errors = [l for l in out.splitlines() if " E: " in l]
    assert any(re.search(r"size-mismatch\.toml:\d+: devices\.shmem_regions\[0\]: shared region 'pingpong' is "
                         r"0x80000 bytes here but 0x40000 bytes in devices\.shmem_regions\[0\] of "
                         r"configs/vms/shmem-ping-aarch64\.toml", l) for l in errors), errors
    assert "vm5 " not in out.replace("vm5 'pong-big'", "")
    r = subprocess.run(["make", "-s", "--no-print-directory", "CONFIG_MK=", f"BUILD={BUILD}",
                        f"IMAGE_DIR={SYSTEST / 'shmem-mismatch'}", "VM_CONFIGS=" + ":".join(configs), "check-config"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    boot_errors = [re.sub(r"^\[\s*[\d.]+\] cpu\d+ ", "", l) for l in errors]
    tool_errors = [l for l in r.stdout.splitlines() if l.startswith("E: ")]
    assert r.returncode != 0 and tool_errors == boot_errors, (r.stdout + r.stderr, boot_errors)
    assert "cvisor-check: 2 of 3 VMs would start" in r.stdout, r.stdout
