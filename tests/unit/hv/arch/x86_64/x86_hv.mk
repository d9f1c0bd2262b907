# x86_64 hypervisor logic that needs no hardware: the guest page-table walk (and its code-page
# cache) and the config rules.
UNIT_TESTS += test_guest_walk test_x86_config
test_guest_walk_SRCS := tests/unit/hv/arch/x86_64/test_guest_walk.c hv/arch/x86_64/guest_walk.c hv/arch/x86_64/code_cache.c \
	lib/src/string.c
$(BUILD)/host/unit/test_guest_walk: HV_ARCH_INC := -Ihv/arch/x86_64/include
test_x86_config_SRCS := tests/unit/hv/arch/x86_64/test_x86_config.c hv/core/vm_config.c hv/core/vm_config_validate.c \
	hv/core/vm_config_host.c hv/arch/x86_64/vm_config_arch.c hv/arch/x86_64/lapic_pt_check.c lib/src/fdt.c lib/src/fdt_pt.c lib/src/fdt_irq.c \
	lib/src/toml.c lib/src/diag.c lib/src/fmt.c lib/src/string.c
$(BUILD)/host/unit/test_x86_config: HV_ARCH_INC := -Ihv/arch/x86_64/include
# The Linux boot protocol (bzImage header, boot_params) and the ACPI tables for a VM, parsed back.
UNIT_TESTS += test_linux_boot
test_linux_boot_SRCS := tests/unit/hv/arch/x86_64/test_linux_boot.c hv/arch/x86_64/linux_boot.c \
	hv/arch/x86_64/acpi_tables.c lib/src/acpi.c lib/src/string.c
$(BUILD)/host/unit/test_linux_boot: HV_ARCH_INC := -Ihv/arch/x86_64/include
# The PC devices of a VM: PIT, 8259 pair, CMOS RTC, PCI configuration ports, HPET.
UNIT_TESTS += test_vplatform
test_vplatform_SRCS := tests/unit/hv/arch/x86_64/test_vplatform.c hv/arch/x86_64/vpit.c hv/arch/x86_64/vpic.c \
	hv/arch/x86_64/vcmos.c hv/arch/x86_64/vpci_cfg.c hv/arch/x86_64/vhpet.c lib/src/string.c
$(BUILD)/host/unit/test_vplatform: HV_ARCH_INC := -Ihv/arch/x86_64/include
# What an exit means for the event the CPU was delivering (EXITINTINFO): delivered again (an
# interrupt QEMU reports as an exception, as the interrupt), never emulated as the instruction's.
UNIT_TESTS += test_exit_event
test_exit_event_SRCS := tests/unit/hv/arch/x86_64/test_exit_event.c hv/arch/x86_64/exit_event.c
$(BUILD)/host/unit/test_exit_event: HV_ARCH_INC := -Ihv/arch/x86_64/include
