# Passthrough device selection by device-tree path (lib/src/fdt_pt.c). Trees are built with
# the FDT writer in the test; QEMU's virt DTB comes from tests/unit/lib/fdt.mk's fixture rule.
UNIT_TESTS += test_fdt_pt
test_fdt_pt_SRCS := tests/unit/lib/test_fdt_pt.c lib/src/fdt_pt.c lib/src/fdt.c lib/src/fdt_write.c \
	lib/src/string.c lib/src/fdt_irq.c base/drivers/gic_fdt.c

$(BUILD)/host/unit/test_fdt_pt: $(BUILD)/host/fdt/qemu-virt.dtb
$(BUILD)/host/unit/test_fdt_pt: HOST_CFLAGS += -DFDT_FIXTURE_DIR='"$(abspath $(BUILD)/host/fdt)"'
