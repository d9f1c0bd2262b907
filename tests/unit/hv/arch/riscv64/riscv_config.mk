# The config validator with riscv64's facts (hv/arch/riscv64/vm_config_arch.c): device lines are
# vPLIC sources.
UNIT_TESTS += test_riscv_config
test_riscv_config_SRCS := tests/unit/hv/arch/riscv64/test_riscv_config.c hv/core/vm_config.c \
	hv/core/vm_config_validate.c hv/core/vm_config_host.c hv/arch/riscv64/vm_config_arch.c \
	lib/src/fdt.c lib/src/fdt_pt.c lib/src/fdt_irq.c lib/src/toml.c lib/src/diag.c lib/src/fmt.c lib/src/string.c
$(BUILD)/host/unit/test_riscv_config: HV_ARCH_INC := -Ihv/arch/riscv64/include
