"""scripts/include_graph.py on small synthetic trees: what it counts as a dependency and what it
takes as a seam (docs/architecture.md, "Layers of hv/"). The real tree is checked by `make
include-graph` (strict for base/, lib/ and hv/, every architecture). No QEMU."""
import subprocess
import textwrap

from cvisor import REPO

TOOL = REPO / "scripts" / "include_graph.py"


def graph(tmp_path, files, *args):
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    r = subprocess.run(["/usr/bin/python3", str(TOOL), "--root", str(tmp_path), "--arch", "aarch64",
                        "--strict", "hv", *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


# Two core modules calling each other: the run loop finishing a VM, the life cycle waiting on
# the run loop.
LOOP = {
    "hv/include/hv/sched.h": "void sched_wait(void);\n",
    "hv/include/hv/life.h": "void life_finish(void);\n",
    "hv/core/sched.c": '#include <hv/sched.h>\n#include <hv/life.h>\nvoid sched_wait(void) { life_finish(); }\n',
    "hv/core/life.c": '#include <hv/sched.h>\n#include <hv/life.h>\nvoid life_finish(void) {}\n'
                      'void life_stop(void) { sched_wait(); }\n',
}


def test_cycle_between_core_modules_fails(tmp_path):
    status, out = graph(tmp_path, LOOP)
    assert status == 1, out
    assert "cycle of 2 modules: hv/core/life.c, hv/core/sched.c" in out


def test_upcall_header_of_the_lower_module_is_a_seam(tmp_path):
    files = dict(LOOP)
    files["hv/include/hv/sched_upcalls.h"] = "void life_finish(void);\n"
    files["hv/include/hv/life.h"] = "#include <hv/sched_upcalls.h>\n"
    files["hv/core/sched.c"] = '#include <hv/sched.h>\n#include <hv/sched_upcalls.h>\n' \
                               'void sched_wait(void) { life_finish(); }\n'
    status, out = graph(tmp_path, files)
    assert status == 0, out
    # ... and only for what the upcall header declares: another call up is still a cycle.
    files["hv/include/hv/life.h"] += "void life_other(void);\n"
    files["hv/core/life.c"] += "void life_other(void) {}\n"
    files["hv/core/sched.c"] += '#include <hv/life.h>\nvoid sched_more(void) { life_other(); }\n'
    status, out = graph(tmp_path, files)
    assert status == 1 and "cycle of 2 modules" in out, out


# The core calls an arch hook; the arch's implementation calls a core service, and its vGIC.
ARCH = {
    "hv/include/hv/arch.h": "struct vcpu;\nvoid vcpu_arch_run(struct vcpu *v);\n",
    "hv/include/hv/virq.h": "#include <arch/virq_arch.h>\n",
    "hv/arch/aarch64/include/arch/virq_arch.h":
        "void vgic_flush(struct vcpu *v);\nstatic inline void vcpu_arch_pre_entry(struct vcpu *v) { vgic_flush(v); }\n",
    "hv/include/hv/sched.h": "void sched_kick(unsigned cpu);\n",
    "hv/core/sched.c": '#include <hv/arch.h>\n#include <hv/sched.h>\n#include <hv/virq.h>\n'
                       'void sched_kick(unsigned cpu) { (void)cpu; }\n'
                       'void sched_run(struct vcpu *v) { vcpu_arch_pre_entry(v); vcpu_arch_run(v); }\n',
    "hv/arch/aarch64/vcpu_arch.c": '#include <hv/arch.h>\n#include <hv/sched.h>\n'
                                   'void vcpu_arch_run(struct vcpu *v) { (void)v; sched_kick(0); }\n',
    "hv/arch/aarch64/vgic.c": '#include <hv/sched.h>\n#include <hv/virq.h>\n'
                              'void vgic_flush(struct vcpu *v) { (void)v; sched_kick(1); }\n',
}


def test_arch_hooks_are_an_interface_the_core_owns(tmp_path):
    status, out = graph(tmp_path, ARCH)
    assert status == 0, out
    status, out = graph(tmp_path, ARCH, "-v")
    assert "hv/arch/aarch64/vcpu_arch.c -> hv/core/sched.c: sched_kick" in out  # the arch's edges stay
    assert "hv/core/sched.c -> hv/arch" not in out


def test_core_calling_arch_internals_is_a_cycle(tmp_path):
    files = dict(ARCH)
    files["hv/core/sched.c"] += "void sched_flush(struct vcpu *v) { vgic_flush(v); }\n"
    status, out = graph(tmp_path, files)
    assert status == 1, out
    assert "cycle of 2 modules: hv/arch/aarch64/vgic.c, hv/core/sched.c" in out


def test_a_struct_member_named_like_a_function_is_no_use(tmp_path):
    files = {
        "hv/include/hv/vm.h": "struct vm;\nvoid vm_destroy(struct vm *vm);\n",
        "hv/include/hv/ops.h": "struct vm;\nstruct ops { void (*vm_destroy)(struct vm *vm); };\n"
                               "extern const struct ops *ops;\n",
        "hv/core/vm.c": '#include <hv/vm.h>\n#include <hv/npt.h>\nvoid vm_destroy(struct vm *vm) { npt_free(vm); }\n',
        "hv/include/hv/npt.h": "struct vm;\nvoid npt_free(struct vm *vm);\n",
        "hv/core/npt.c": '#include <hv/npt.h>\n#include <hv/ops.h>\n'
                         'void npt_free(struct vm *vm) { ops->vm_destroy(vm); }\n',
    }
    status, out = graph(tmp_path, files)
    assert status == 0, out
    # the same name called as the function is a use, and a cycle
    files["hv/core/npt.c"] += '#include <hv/vm.h>\nvoid npt_gone(struct vm *vm) { vm_destroy(vm); }\n'
    status, out = graph(tmp_path, files)
    assert status == 1 and "cycle of 2 modules: hv/core/npt.c, hv/core/vm.c" in out, out
