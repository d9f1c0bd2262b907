# Config parsing and validation over arbitrary TOML, with aarch64's table and host facts (a GIC).
FUZZERS += fuzz_config
fuzz_config_SRCS := tests/fuzz/fuzz_config.c hv/core/vm_config.c hv/core/vm_config_validate.c hv/core/vm_config_host.c \
	hv/arch/aarch64/vm_config_arch.c \
	lib/src/fdt.c lib/src/fdt_pt.c lib/src/fdt_irq.c lib/src/fdt_write.c lib/src/toml.c lib/src/diag.c lib/src/fmt.c lib/src/string.c
$(BUILD)/host/fuzz/fuzz_config: HV_ARCH_INC := -Ihv/arch/aarch64/include
