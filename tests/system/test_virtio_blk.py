"""The base's virtio-blk driver (virtio-mmio, legacy and modern layouts): the blk-demo app reads a
disk image in 1 MiB requests and must see exactly the bytes the host wrote, then writes a sector
the host can see afterwards."""
import random
import re

import pytest
from cvisor import SYSTEST, Machine, build_image


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy-mmio", "modern-mmio"])
def test_virtio_blk_reads_and_writes_the_disk(legacy):
    SYSTEST.mkdir(parents=True, exist_ok=True)
    disk = SYSTEST / f"blk-{legacy}.img"
    rng = random.Random(1234)
    data = bytes(rng.getrandbits(8) for _ in range(3 * 1024 * 1024 + 512 * 7))  # not a whole MiB
    disk.write_bytes(data)
    image, _ = build_image("blk-demo", [], app="blk-demo")
    m = Machine(image, f"blk-demo-{legacy}", mem="1G", timeout=60,
                extra=["-global", f"virtio-mmio.force-legacy={'true' if legacy else 'false'}",
                       "-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0"])
    try:
        assert m.wait_exit(60) == 0
        out = m.text()
    finally:
        m.close()
    assert re.search(r"blockdev: virtio-blk0, 3 MiB", out), out
    match = re.search(r"blk-demo: read (\d+) bytes, fnv1a ([0-9a-f]{16})", out)
    assert match and int(match.group(1)) == len(data)
    assert int(match.group(2), 16) == fnv1a(data)
    assert "blk-demo: last sector written and read back" in out
    assert disk.read_bytes()[-512:] == bytes([0x5a]) * 512
