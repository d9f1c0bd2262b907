# The stage-2 fault-in's leaf write (hv/arch/aarch64/include/arch/stage2_page.h), checked against
# lib/pgtable with the VMSAv8-64 format stage 2 uses (base/arch/aarch64/include/arch/pte.h).
UNIT_TESTS += test_stage2_page
test_stage2_page_SRCS := tests/unit/hv/arch/aarch64/test_stage2_page.c lib/src/pgtable.c lib/src/string.c
$(BUILD)/host/unit/test_stage2_page: hv/arch/aarch64/include/arch/stage2_page.h base/arch/aarch64/include/arch/pte.h
$(BUILD)/host/unit/test_stage2_page: HV_ARCH_INC := -Ihv/arch/aarch64/include -Ibase/arch/aarch64/include
