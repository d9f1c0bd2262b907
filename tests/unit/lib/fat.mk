# FAT16/FAT32 reader tests. Fixtures are generated, never committed: mkfs.fat and mtools build
# fat16.img, fat32.img and mbr.img (tests/unit/lib/fat/mkimages.sh; no root, no mount).
UNIT_TESTS += test_fat
test_fat_SRCS := tests/unit/lib/test_fat.c lib/src/fat.c lib/src/string.c

# HOST_OUT is defined after this file is included, so spell the directory out.
FAT_FIXTURE_OUT := $(BUILD)/host/fat
FAT_FIXTURE_STAMP := $(FAT_FIXTURE_OUT)/.stamp

$(FAT_FIXTURE_STAMP): tests/unit/lib/fat/mkimages.sh tests/unit/lib/fat/fatimg.py | bootstrap
	@mkdir -p $(@D)
	sh tests/unit/lib/fat/mkimages.sh $(FAT_FIXTURE_OUT)
	@touch $@

$(BUILD)/host/unit/test_fat: $(FAT_FIXTURE_STAMP)
$(BUILD)/host/unit/test_fat: HOST_CFLAGS += -DFAT_FIXTURE_DIR='"$(abspath $(FAT_FIXTURE_OUT))"'
