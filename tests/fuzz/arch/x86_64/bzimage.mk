# The Linux bzImage setup header parser and boot_params builder (hv/arch/x86_64/linux_boot.c).
FUZZERS += fuzz_bzimage
fuzz_bzimage_SRCS := tests/fuzz/fuzz_bzimage.c hv/arch/x86_64/linux_boot.c lib/src/string.c
$(BUILD)/host/fuzz/fuzz_bzimage: HV_ARCH_INC := -Ihv/arch/x86_64/include
