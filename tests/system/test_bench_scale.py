"""scripts/bench_scale.py's host-side logic (make bench's scale experiment, docs/bench.md
"Scale") on synthetic console output: the VM layout and generated configs, the per-VM parse,
the check that pCPUs took turns, the aggregation and the RAM differences. No QEMU."""
import sys

import pytest

from cvisor import REPO

sys.path.insert(0, str(REPO / "scripts"))
import bench  # noqa: E402
import bench_scale  # noqa: E402


def vm_output(vm_id, start_ns, end_ns, timer=376.0, timer_max=380, mmio=109.0, errors=0):
    lines = [f"BENCH-START env=cvisor freq=62500000 iters=20000 rounds=200 gic=3 start_ns={start_ns}",
             "BENCH name=empty_loop value=3.0 unit=instructions env=cvisor",
             "BENCH name=hypercall value=24.0 unit=instructions env=cvisor n=20000",
             "BENCH name=svc_roundtrip value=44.0 unit=instructions env=cvisor n=20000",
             f"BENCH name=mmio_read value={mmio} unit=instructions env=cvisor n=20000",
             "BENCH name=stage2_fault_in value=754.5 unit=instructions env=cvisor pages=512",
             f"BENCH name=timer_irq_latency value={timer} unit=instructions env=cvisor min=370 max={timer_max} n=199",
             f"BENCH-END env=cvisor errors={errors} end_ns={end_ns}"]
    return "".join(f"[vm{vm_id}] {line}\r\n" for line in lines)


def console(vms, hv_bytes=1774976):
    head = "".join(f"[    0.002430] cpu0 I: vm{v[0]} 'scale{v[0]}': 1 vCPU on pCPU {(v[0] - 1) % 4}, 18 MiB RAM, "
                   f"kernel 'bench.bin' (built in)\r\n" for v in vms)
    head += (f"[    0.002437] cpu0 I: memory: {hv_bytes + 1018496 + len(vms) * 18874368} B of pages in use, "
             f"heap slack 1018496 B\r\n")
    return head + "".join(vm_output(*v) for v in vms)


def test_layout_puts_vm_i_on_pcpu_i_mod_4_and_gives_each_pcpu_its_own_turn():
    assert bench_scale.layout(8) == [(p, (p + 1) * bench_scale.SLOT_MS) for p in (0, 1, 2, 3, 0, 1, 2, 3)]
    text = bench_scale.config_text(5, [1], 2000, 20, 800)
    assert "id = 5" in text and "phys_cpu_ids = [1]" in text and "cpu_num = 1" in text
    assert 'cmdline = "iters=2000 rounds=20 start_ms=800 hold=1"' in text
    assert "passthrough_addresses" not in text  # fw_cfg is one device: VMs cannot share it


def test_generated_configs_are_valid_toml_with_distinct_ids(tmp_path):
    import tomllib
    paths = bench_scale.write_configs(tmp_path, "n2", [([0], 400), ([1], 800)], 2000, 20).split(":")
    ids = [tomllib.loads(open(p).read())["base"]["id"] for p in paths]
    assert ids == [1, 2]


def test_a_run_is_parsed_per_vm_and_aggregated():
    run = bench_scale.parse_run(console([(1, 400_000_000, 417_000_000, 376.0, 380),
                                         (2, 800_000_000, 817_000_000, 2900.0, 3088, 111.0)]), 2, "log")
    assert run["memory"] == {"hv_bytes": 1774976, "pages_in_use_bytes": 1774976 + 1018496 + 2 * 18874368,
                             "guest_bytes": 2 * 18874368, "heap_slack_bytes": 1018496, "vms": 2, "vcpus": 2}
    two_vcpus = console([(1, 1, 2)]).replace("1 vCPU on pCPU 0,", "2 vCPUs on pCPU 0,1,")
    assert bench_scale.parse_memory(two_vcpus, "log")["vcpus"] == 2
    bench_scale.check_turns(run, 2)
    row = bench_scale.aggregate(run)
    assert row["timer_irq_latency"] == {"mean": 1638.0, "worst": 2900.0, "max_sample": 3088}
    assert row["mmio_read"] == {"mean": 110.0, "worst": 111.0}
    assert row["hv_bytes"] == 1774976


def test_vms_of_different_pcpus_measuring_at_once_is_an_error():
    run = bench_scale.parse_run(console([(1, 400_000_000, 817_000_000), (2, 800_000_000, 817_000_000)]), 2, "log")
    with pytest.raises(bench.BenchError, match="vm1 and vm2 .* at the same time"):
        bench_scale.check_turns(run, 2)
    # VMs 1 and 5 share pCPU 0: running at once is the load being measured
    run = bench_scale.parse_run(console([(i, 400_000_000, 417_000_000) if i in (1, 5) else
                                         (i, 400_000_000 * ((i - 1) % 4 + 1), 400_000_000 * ((i - 1) % 4 + 1) + 1)
                                         for i in range(1, 9)]), 8, "log")
    bench_scale.check_turns(run, 8)


@pytest.mark.parametrize("broken, message", [
    (lambda t: t.replace("[vm2] BENCH name=mmio_read", "[vm2] BENCH name=mmio_raed"), r"vm2: .*missing results mmio_read"),
    (lambda t: t.replace("errors=0 end_ns=817", "errors=1 end_ns=817"), r"vm2: .*did not finish"),
    (lambda t: t.replace("cpu0 I: memory:", "cpu0 I: mem:"), "no \"memory: ... B of pages in use"),
    (lambda t: "".join(l + "\n" for l in t.splitlines() if not l.startswith("[vm2]")), r"VMs \[1\], expected 1..2"),
])
def test_a_missing_or_bad_value_is_an_error_naming_the_vm(broken, message):
    text = broken(console([(1, 400_000_000, 417_000_000), (2, 800_000_000, 817_000_000)]))
    with pytest.raises(bench.BenchError, match=message):
        bench_scale.parse_run(text, 2, "log")


def test_ram_per_vm_and_per_vcpu_are_differences_of_measured_counts():
    rows = {1: {"hv_bytes": 1774976}, 2: {"hv_bytes": 1817344}}
    assert bench_scale.memory_results(rows, {"hv_bytes": 1778416}) == {
        "hv_bytes_per_vm": 42368, "hv_bytes_per_vcpu": 3440, "hv_bytes_one_vm": 1774976}


def test_the_table_has_a_row_per_count_and_the_ram_figures(tmp_path):
    runs = {n: bench_scale.parse_run(console([(i, 400_000_000 * i, 400_000_000 * i + 1) for i in range(1, n + 1)],
                                             hv_bytes=1774976 + (n - 1) * 42368), n, "log") for n in (1, 2)}
    res = {"scale_rows": {str(n): bench_scale.aggregate(r) for n, r in runs.items()}, "scale_pcpus": 4,
           **bench_scale.memory_results({n: bench_scale.aggregate(r) for n, r in runs.items()},
                                        {"hv_bytes": 1778416})}
    text = bench_scale.table(res, 24)
    assert "| 1 | 24 | 109 | 376 | 380 | 754.5 | 1,774,976 B |" in text
    assert "| 2 | 24 | 109 | 376 | 380 | 754.5 | 1,817,344 B |" in text
    assert "virtual timer IRQ latency (bare 24)" in text and "per VM: 42,368 B" in text and "per vCPU: 3,440 B" in text
    readme = tmp_path / "README.md"
    readme.write_text(f"a\n{bench_scale.README_BEGIN}\nold\n{bench_scale.README_END}\nb\n")
    assert bench_scale.update_readme(readme, res, 24)
    body = readme.read_text()
    assert "old" not in body and "| 2 | 24 |" in body and body.endswith(f"{bench_scale.README_END}\nb\n")
