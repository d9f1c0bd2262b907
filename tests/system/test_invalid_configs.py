"""Each invalid config is booted beside the valid hello VM: the hypervisor must name the file,
line and field of the problem, skip that VM, and still run hello to its end. The host checker
(`make check-config`, tools/cvisor_check.c) must print the same errors for the same configs on
the same machine, and fail."""
import re
import subprocess

import pytest
from cvisor import BUILD, REPO, SYSTEST, build_image, run_to_completion

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

    # The same configs through the host checker, on the machine this test booted (QEMU's DTB with
    # the same SMP, MEM and GIC; the hypervisor image just built): the same errors, in order.
    configs = ["configs/vms/hello-aarch64.toml", str(rel)]
    r = subprocess.run(["make", "-s", "--no-print-directory", "CONFIG_MK=", f"BUILD={BUILD}",
                        f"IMAGE_DIR={SYSTEST / f'invalid-{config.stem}'}", "VM_CONFIGS=" + ":".join(configs),
                        "check-config"], cwd=REPO, capture_output=True, text=True, timeout=300)
    boot_errors = [re.sub(r"^\[\s*[\d.]+\] cpu\d+ ", "", l) for l in errors]
    tool_errors = [l for l in r.stdout.splitlines() if l.startswith("E: ")]
    assert r.returncode != 0 and tool_errors == boot_errors, (r.stdout + r.stderr, boot_errors)
    assert "cvisor-check: 1 of 2 VMs would start" in r.stdout, r.stdout


def test_build_reports_deep_nesting_as_the_parser_does():
    """scripts/gen_embed.py reads every config with Python's TOML parser, which recurses per
    nesting level: 10,000 nested arrays must give the hypervisor parser's message, not a
    traceback, and the build goes on (the VM is rejected at boot, as tested above)."""
    _, err = build_image("gen-embed-deep", ["configs/vms/hello-aarch64.toml",
                                            "tests/configs/invalid/deep-nesting.toml"])
    assert "Traceback" not in err and "RecursionError" not in err, err
    assert re.search(r"deep-nesting\.toml: TOML syntax error at line 7, column 68: nesting too deep \(limit 64\)", err), err
