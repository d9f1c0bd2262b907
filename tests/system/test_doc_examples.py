"""Every VM config shown in README.md and docs/ is a file of configs/ (the docs show it verbatim,
marked `<!-- config: PATH ... -->`) and boots as shown: the bare-metal example runs to its end,
the Linux example reaches its shell on a GICv3 and on a GICv2 host with its console on the
UART it names (an emulated PL011 there, described in its generated device tree), and Ctrl-]
reaches the hypervisor shell. The refusal docs/config.md shows for interrupt passthrough on
every pCPU is what the boot prints."""
import re

import pytest
from cvisor import REPO, SYSTEST, Machine, build_image, run_to_completion

DOCS = [REPO / "README.md"] + sorted((REPO / "docs").glob("*.md"))
MARK = re.compile(r"<!-- config: (\S+) [^\n]*-->\n```toml\n(.*?)```", re.S)
ESC = "\x1d"
PROMPT = "~ # "


def documented_configs():
    return [(doc, path, text) for doc in DOCS for path, text in MARK.findall(doc.read_text())]


def test_every_toml_example_in_the_docs_is_a_config_file_shown_verbatim():
    shown = documented_configs()
    assert {p for _, p, _ in shown} >= {"configs/vms/hello-aarch64.toml", "configs/vms/linux-aarch64-example.toml"}
    for doc, path, text in shown:
        assert text == (REPO / path).read_text(), f"{doc.name} shows {path} differently from the file"
    for doc in DOCS:  # no TOML example that is not a checked file
        blocks = doc.read_text().count("```toml")
        assert blocks == len(MARK.findall(doc.read_text())), f"{doc.name}: a ```toml block without a config mark"


def test_the_readme_example_runs():
    out = run_to_completion("doc-hello", ["configs/vms/hello-aarch64.toml"])
    assert "[vm1] hello: powering off" in out and "vm1 'hello' ended: shutdown (PSCI SYSTEM_OFF" in out


@pytest.mark.parametrize("gic", [3, 2])
def test_the_complete_example_boots_linux_on_either_host(gic):
    """docs/config.md's complete example: its UART is given in the explicit passthrough form;
    it is the hypervisor's console, so the VM gets an emulated PL011 there, in its device tree
    with SPI 1 (Linux used to say 'unable to open an initial console'); interrupts go through
    the emulated GICv2; input reaches it; Ctrl-] gives the shell and back."""
    image, _ = build_image("doc-linux-example", ["configs/vms/linux-aarch64-example.toml"])
    m = Machine(image, f"doc-linux-example-gicv{gic}", smp=2, timeout=240, gic=gic)
    try:
        m.expect(r"passthrough_devices\[0\]: 'pl011' is the hypervisor console; the VM gets an emulated PL011 at 0x9000000")
        m.expect(r"vm1 'linux': 2 vCPUs on pCPU 0,1, 512 MiB RAM, kernel 'linux-aarch64.Image'")
        m.expect(r"cvisor-guest: init started", timeout=180)
        m.expect(re.escape(PROMPT))
        m.sendline("nproc; grep -E 'uart-pl011|arch_timer' /proc/interrupts; echo in-$((6*7))")
        m.expect(r"\n2\s")
        m.expect(r"GIC-0\s+27 Level\s+arch_timer")
        m.expect(r"GIC-0\s+33 Level\s+uart-pl011")
        m.expect(r"in-42")
        m.expect(re.escape(PROMPT))
        m.send(ESC)
        m.expect(r"--- cvisor shell")
        m.expect(r"cvisor> ")
        m.send(ESC)
        m.expect(r"--- console of vm1 'linux'")
        m.sendline("poweroff -f")
        m.expect(r"cvisor: powering off")
        assert m.wait_exit(60) == 0
    finally:
        m.close()


def test_interrupt_passthrough_on_every_pcpu_is_refused_as_documented():
    """The complete example with interrupt_mode = "passthrough" on a 2-CPU GICv2 host would leave
    the hypervisor no pCPU for its console (Ctrl-] was dead): refused, with docs/config.md's
    message, and since no VM is left QEMU exits with a failure status."""
    doc = (REPO / "docs" / "config.md").read_text()
    documented = re.search(r"<!-- refused: [^\n]*-->\n```\nE: \S+:\d+: (devices\.interrupt_mode: [^\n]+)\n```",
                           doc).group(1)
    SYSTEST.mkdir(parents=True, exist_ok=True)
    cfg = SYSTEST / "linux-example-passthrough.toml"
    cfg.write_text((REPO / "configs/vms/linux-aarch64-example.toml").read_text()
                   .replace('interrupt_mode = "emu"', 'interrupt_mode = "passthrough"'))
    image, _ = build_image("doc-linux-example-pt", [cfg])
    m = Machine(image, "doc-linux-example-pt", smp=2, timeout=60, gic=2)
    try:
        m.expect(re.escape(f"E: {cfg}:33: {documented}"))
        m.expect(r"no VM could be started")
        assert m.wait_exit(60) == 1
    finally:
        m.close()
