# Guest device tree generation and patching: the generic writer (hv/core/vm_fdt.c) with the
# aarch64 nodes (hv/arch/aarch64/vm_fdt_arch.c). The fixture is QEMU's own virt
# DTB with 4 vCPUs, dumped at build time (never committed); the tests also run dtc over their
# outputs and compile small .dts sources they carry inline.
UNIT_TESTS += test_vm_fdt
test_vm_fdt_SRCS := tests/unit/hv/arch/aarch64/test_vm_fdt.c hv/core/vm_fdt.c hv/core/vm_fdt_node.c \
	hv/arch/aarch64/vm_fdt_arch.c lib/src/fdt.c lib/src/fdt_write.c \
	lib/src/fmt.c lib/src/string.c

# HOST_OUT is defined after this file is included, so spell the directory out.
VM_FDT_FIXTURE_OUT := $(BUILD)/host/vm_fdt

$(VM_FDT_FIXTURE_OUT)/qemu-virt-smp4.dtb: | bootstrap
	@mkdir -p $(@D)
	$$($(MAKE) -s --no-print-directory ARCH=aarch64 GIC=3 print-qemu) -machine dumpdtb=$@ \
	  -smp 4 -m 2G 2>$@.log && test -s $@ \
	  || { cat $@.log; rm -f $@; exit 1; }

$(BUILD)/host/unit/test_vm_fdt: $(VM_FDT_FIXTURE_OUT)/qemu-virt-smp4.dtb
$(BUILD)/host/unit/test_vm_fdt: HOST_CFLAGS += -Ihv/arch/aarch64/include
$(BUILD)/host/unit/test_vm_fdt: HOST_CFLAGS += -DVM_FDT_FIXTURE_DIR='"$(abspath $(VM_FDT_FIXTURE_OUT))"'
$(BUILD)/host/unit/test_vm_fdt: HV_ARCH_INC := -Ihv/arch/aarch64/include
