# FDT reader/writer tests. Fixtures are generated, never committed: dtc compiles
# tests/unit/lib/fdt/*.dts (plus a version-16 variant of cells.dts) and QEMU dumps its virt DTB.
UNIT_TESTS += test_fdt
test_fdt_SRCS := tests/unit/lib/test_fdt.c lib/src/fdt.c lib/src/fdt_write.c lib/src/string.c

# HOST_OUT is defined after this file is included, so spell the directory out.
FDT_FIXTURE_OUT := $(BUILD)/host/fdt
FDT_FIXTURES := $(patsubst tests/unit/lib/fdt/%.dts,$(FDT_FIXTURE_OUT)/%.dtb,$(wildcard tests/unit/lib/fdt/*.dts)) \
	$(FDT_FIXTURE_OUT)/cells-v16.dtb $(FDT_FIXTURE_OUT)/qemu-virt.dtb

$(FDT_FIXTURE_OUT)/%.dtb: tests/unit/lib/fdt/%.dts | bootstrap
	@mkdir -p $(@D)
	dtc -q -I dts -O dtb -o $@ $<

$(FDT_FIXTURE_OUT)/cells-v16.dtb: tests/unit/lib/fdt/cells.dts | bootstrap
	@mkdir -p $(@D)
	dtc -q -I dts -O dtb -V 16 -o $@ $<

# dumpdtb makes QEMU write the tree it would give the guest and exit without running.
$(FDT_FIXTURE_OUT)/qemu-virt.dtb: | bootstrap
	@mkdir -p $(@D)
	$$($(MAKE) -s --no-print-directory ARCH=aarch64 GIC=3 print-qemu) -machine dumpdtb=$@ \
	  -smp 2 -m 2G 2>$@.log && test -s $@ \
	  || { cat $@.log; rm -f $@; exit 1; }

$(BUILD)/host/unit/test_fdt: $(FDT_FIXTURES)
$(BUILD)/host/unit/test_fdt: HOST_CFLAGS += -DFDT_FIXTURE_DIR='"$(abspath $(FDT_FIXTURE_OUT))"'
