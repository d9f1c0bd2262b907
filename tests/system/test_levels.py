"""What a machine gives a guest (guests/levels): level-sensitive interrupts that drop with their
source, and external aborts for accesses outside the VM's memory with invalid_access = "abort".

The virtual timer is stopped three ways (ENABLE = 0, IMASK, CVAL ahead) after it fired with IRQs masked: INTID 27 must then read as not pending (ISPENDR0, HPPIR),
not be taken once IRQs are unmasked, and the timer must fire again afterwards. After steady ticks
INTID 27 is disabled, or its priority put under the mask, between two of them: the next must wait
for it to be enabled or its priority put back. The PL011's
receive interrupt must drop when the guest drains the FIFO, even with IRQs unmasked straight
after the read. Each on a vGICv3, a GICv2 VM on a GICv3 host (software CPU interface) and a GICv2
VM on a GICv2 host (GICH list registers)."""
import re

import pytest
from cvisor import Machine, build_image

V3 = "configs/vms/levels-gicv3-aarch64.toml"
V2 = "configs/vms/levels-gicv2-aarch64.toml"

# (vector offset, exception class, WnR) per access: current EL with SP_ELx (0x200) for EL1,
# lower EL AArch64 (0x400) and lower EL AArch32 (0x600) for EL0.
ABORTS = {
    "fetch": (0x200, 0x21, 0),
    "ldp": (0x200, 0x25, 0),
    "stp": (0x200, 0x25, 1),
    "el0": (0x400, 0x24, 0),
    "el0-aarch32": (0x600, 0x24, 0),
}


@pytest.mark.parametrize("config,gic", [(V3, 3), (V2, 3), (V2, 2)], ids=["vgicv3", "gicv2-soft-gicc", "gicv2-gich"])
def test_levels_drop_with_their_source_and_aborts_reach_the_guest(config, gic):
    name = f"levels-{'v3' if config == V3 else 'v2'}-host-gicv{gic}"
    image, _ = build_image(name, [config])
    m = Machine(image, name, smp=2, timeout=60, gic=gic)
    try:
        m.expect(r"levels: send a key")
        m.send("x")
        m.expect(r"levels: done, spurious=\d+")
        m.expect(r"all VMs have ended")
        text = m.text()
    finally:
        m.close()
    assert f"levels: gic v{2 if config == V2 else 3}" in text, text

    for what, (vector, ec, wnr) in ABORTS.items():
        line = re.search(rf"levels: abort {what}: (.*)", text)
        assert line, text
        fields = dict(f.split("=") for f in line.group(1).split())
        assert fields["count"] == "1", line.group(0)
        assert int(fields["vector"], 16) == vector, line.group(0)
        assert int(fields["ec"], 16) == ec, line.group(0)
        assert int(fields["fsc"], 16) == 0x10, line.group(0)  # synchronous external abort
        assert fields["wnr"] == str(wnr), line.group(0)
        assert fields["far_ok"] == "1", line.group(0)
    # The instruction abort's return address is the target it could not fetch.
    assert re.search(r"levels: abort fetch: .* elr=0x50000000\b", text), text

    for way in ("enable=0", "imask", "cval-ahead"):
        line = re.search(rf"levels: timer {way}: (.*)", text)
        assert line, text
        fields = dict(f.split("=") for f in line.group(1).split())
        assert fields["fired"] == "1", line.group(0)
        assert fields["pending-after"] == "0", line.group(0)
        assert fields["hppir"] != "27", line.group(0)
        assert fields["delivered"] == "0", line.group(0)
        assert fields["next-tick"] == "1", line.group(0)

    # Steady ticks (served in the exit vector), then INTID 27 disabled or masked by priority:
    # the hypervisor must see the change (not rewrite the tick as before), then deliver it.
    for way in ("disable", "priority"):
        line = re.search(rf"levels: steady {way}: (.*)", text)
        assert line, text
        fields = dict(f.split("=") for f in line.group(1).split())
        assert fields == {"ticks": "4", "kept-out": "1", "after": "1"}, line.group(0)

    line = re.search(r"levels: uart rx: (.*)", text)
    assert line, text
    fields = dict(f.split("=") for f in line.group(1).split())
    assert fields["raised"] == "1" and fields["char"] == "0x78", line.group(0)
    assert fields["delivered"] == "0", line.group(0)
    assert fields["pending-after"] == "0", line.group(0)
    assert fields["hppir"] != "33", line.group(0)
    # Every access outside its memory came back to the guest: the VM was not stopped for one.
    assert re.search(r"vm\d 'levels-gicv\d' ended: shutdown \(PSCI SYSTEM_OFF", text), text
