/* The Linux x86 boot protocol (Documentation/arch/x86/boot.rst), the loader's side: reading a
 * bzImage's setup header, and building the boot_params ("zero page") the 64-bit entry point
 * gets in RSI. Pure logic over byte buffers (host-tested: tests/unit/hv/arch/x86_64); the
 * hypervisor's part (placing it all in guest memory, long mode) is in machine.c. */
#ifndef ARCH_LINUX_BOOT_H
#define ARCH_LINUX_BOOT_H

#include <lib/types.h>

#define LINUX_BOOT_PARAMS_SIZE 4096u
#define LINUX_E820_MAX 128u
#define LINUX_E820_RAM 1u
#define LINUX_E820_RESERVED 2u
#define LINUX_E820_ACPI 3u
/* The oldest protocol cvisor boots: 2.12 has xloadflags, which says the 64-bit entry exists. */
#define LINUX_BOOT_MIN_VERSION 0x020c
/* The 64-bit entry point is this far into the protected-mode kernel. */
#define LINUX_ENTRY64_OFFSET 0x200u

struct linux_bzimage {
    u16 version;          /* protocol version, e.g. 0x020f */
    u32 setup_bytes;      /* the real-mode part ((setup_sects + 1) * 512); the kernel follows */
    u32 kernel_bytes;     /* the protected-mode kernel (syssize * 16) */
    u32 kernel_alignment; /* where a relocatable kernel must be loaded */
    bool relocatable;
    u64 pref_address;     /* where it would like to be loaded */
    u32 init_size;        /* memory it needs from its load address until it has booted */
    u32 initrd_addr_max;  /* highest address the initrd's last byte may have */
    u32 cmdline_size;     /* longest command line, without the NUL */
    u32 header_end;       /* end of the setup header within the image (boot_params copies it) */
};

/* Checks that image[0, size) is a bzImage this loader can start in 64-bit mode (boot flag, "HdrS",
 * protocol >= 2.12, the 64-bit entry, loaded high, the sizes within the file) and fills out.
 * 0, or -1 with *why saying what is wrong. */
int linux_bzimage_parse(const u8 *image, u64 size, struct linux_bzimage *out, const char **why);

struct linux_e820 {
    u64 addr, size;
    u32 type;
};

struct linux_boot_args {
    u32 cmdline_gpa;    /* the NUL-terminated command line (0: none) */
    u32 initrd_gpa, initrd_size; /* (size 0: none) */
    u64 acpi_rsdp;      /* the ACPI root pointer (0: the kernel searches the BIOS areas) */
    const struct linux_e820 *e820;
    u32 e820_count;     /* at most LINUX_E820_MAX */
};

/* Builds the boot_params in zp[0, LINUX_BOOT_PARAMS_SIZE): zeroed, the image's setup header
 * copied in, then the loader's fields (type_of_loader 0xff, cmd_line_ptr, ramdisk_image and
 * ramdisk_size, acpi_rsdp_addr, the E820 table). */
void linux_boot_params_build(u8 *zp, const u8 *image, const struct linux_bzimage *bz,
                             const struct linux_boot_args *args);

#endif
