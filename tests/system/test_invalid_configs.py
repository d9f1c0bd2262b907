"""Each invalid config is booted beside the valid hello VM: the hypervisor must name the file,
line and field of the problem, skip that VM, and still run hello to its end."""
import re
from pathlib import Path

import pytest
from cvisor import REPO, run_to_completion

INVALID = sorted((REPO / "tests" / "configs" / "invalid").glob("*.toml"))


def expectation(path):
    for line in path.read_text().splitlines():
        if line.startswith("# expect: "):
            return line[len("# expect: "):]
    raise AssertionError(f"{path} has no '# expect:' line")


@pytest.mark.parametrize("config", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_config_is_reported_and_others_boot(config):
    rel = config.relative_to(REPO)
    out = run_to_completion(f"invalid-{config.stem}", ["configs/vms/hello-aarch64.toml", rel], timeout=40)
    errors = [l for l in out.splitlines() if " E: " in l]
    assert any(re.search(expectation(config), l) for l in errors), "\n".join(errors)
    assert re.search(rf"{re.escape(str(rel))}: VM '.*' (is invalid|could not be created|conflicts).*skipped|"
                     rf"{re.escape(str(rel))}: config rejected", out)
    assert "[vm1] hello: powering off" in out
    assert "vm1 'hello' ended: shutdown" in out
    assert "vm10 " not in out.split("all VMs have ended")[1]
