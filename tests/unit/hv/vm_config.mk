# The config parser and validator (generic), with aarch64's table and checks: its cases name GIC
# emu_type codes and MPIDRs, whatever ARCH is.
UNIT_TESTS += test_vm_config
test_vm_config_SRCS := tests/unit/hv/test_vm_config.c hv/core/vm_config.c hv/core/vm_config_validate.c hv/core/vm_config_host.c \
	hv/arch/aarch64/vm_config_arch.c \
	lib/src/fdt.c lib/src/fdt_pt.c lib/src/fdt_irq.c lib/src/toml.c lib/src/diag.c lib/src/fmt.c lib/src/string.c
$(BUILD)/host/unit/test_vm_config: HV_ARCH_INC := -Ihv/arch/aarch64/include
