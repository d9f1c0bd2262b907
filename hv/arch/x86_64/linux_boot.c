/* The Linux x86 boot protocol, loader side (<arch/linux_boot.h>): the setup header of a bzImage
 * and the boot_params built from it. Offsets from Documentation/arch/x86/boot.rst and
 * zero-page.rst. Untrusted input (the image comes from a config): every read is bounds-checked. */
#include <arch/linux_boot.h>
#include <lib/string.h>

/* Setup header fields (offsets in the image and in boot_params alike). */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_MIN_END 0x264 /* the 2.12 header reaches at least this far */
/* boot_params beyond the header. */
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_HDR_LIMIT 0x290 /* the setup header may not reach the fields after it */

#define LOADED_HIGH 0x01
#define XLF_KERNEL_64 0x01
#define LOADER_UNDEFINED 0xff /* boot.rst: "0xFF: undefined" (cvisor has no assigned id) */

static u32 rd(const u8 *p, u32 off, u32 n)
{
    u32 v = 0;
    memcpy(&v, p + off, n);
    return v;
}

static void wr(u8 *p, u32 off, u64 v, u32 n) { memcpy(p + off, &v, n); }

int linux_bzimage_parse(const u8 *img, u64 size, struct linux_bzimage *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    if (size < HDR_MIN_END) {
        *why = "too short for a bzImage setup header";
        return -1;
    }
    if (rd(img, HDR_BOOT_FLAG, 2) != 0xaa55 || memcmp(img + HDR_MAGIC, "HdrS", 4) != 0) {
        *why = "no Linux setup header (boot flag 0xAA55 and \"HdrS\")";
        return -1;
    }
    out->version = (u16)rd(img, HDR_VERSION, 2);
    if (out->version < LINUX_BOOT_MIN_VERSION) {
        *why = "boot protocol older than 2.12 (no 64-bit entry point)";
        return -1;
    }
    /* The header ends where the jump at 0x200 (a short JMP: EB rel8) lands. */
    out->header_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];
    if (out->header_end < HDR_MIN_END || out->header_end > BP_HDR_LIMIT || out->header_end > size) {
        *why = "setup header length out of range";
        return -1;
    }
    if (!(rd(img, HDR_XLOADFLAGS, 2) & XLF_KERNEL_64) || !(img[HDR_LOADFLAGS] & LOADED_HIGH)) {
        *why = "not a 64-bit kernel loaded high (xloadflags/loadflags)";
        return -1;
    }
    u32 sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4; /* 0 means 4 (boot.rst) */
    out->setup_bytes = (sects + 1) * 512;
    out->kernel_bytes = rd(img, HDR_SYSSIZE, 4) * 16;
    if ((u64)out->setup_bytes + out->kernel_bytes > size || out->kernel_bytes <= LINUX_ENTRY64_OFFSET ||
        rd(img, HDR_SYSSIZE, 4) > 0x0fffffffu) {
        *why = "the protected-mode kernel (setup_sects, syssize) runs past the end of the file";
        return -1;
    }
    out->kernel_alignment = rd(img, HDR_KERNEL_ALIGNMENT, 4);
    if (out->kernel_alignment & (out->kernel_alignment - 1)) {
        *why = "kernel_alignment is not a power of two";
        return -1;
    }
    out->relocatable = img[HDR_RELOCATABLE] != 0;
    out->initrd_addr_max = rd(img, HDR_INITRD_ADDR_MAX, 4);
    out->cmdline_size = rd(img, HDR_CMDLINE_SIZE, 4);
    u64 pref = 0;
    memcpy(&pref, img + HDR_PREF_ADDRESS, 8);
    out->pref_address = pref;
    out->init_size = rd(img, HDR_INIT_SIZE, 4);
    if (out->init_size < out->kernel_bytes) {
        *why = "init_size is smaller than the kernel";
        return -1;
    }
    *why = NULL;
    return 0;
}

void linux_boot_params_build(u8 *zp, const u8 *img, const struct linux_bzimage *bz,
                             const struct linux_boot_args *a)
{
    memset(zp, 0, LINUX_BOOT_PARAMS_SIZE);
    memcpy(zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, bz->header_end - HDR_SETUP_SECTS);
    zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    wr(zp, HDR_CMD_LINE_PTR, a->cmdline_gpa, 4);
    wr(zp, HDR_RAMDISK_IMAGE, a->initrd_size ? a->initrd_gpa : 0, 4);
    wr(zp, HDR_RAMDISK_SIZE, a->initrd_size, 4);
    wr(zp, BP_ACPI_RSDP, a->acpi_rsdp, 8);
    u32 n = a->e820_count < LINUX_E820_MAX ? a->e820_count : LINUX_E820_MAX;
    zp[BP_E820_ENTRIES] = (u8)n;
    for (u32 i = 0; i < n; i++) {
        u8 *e = zp + BP_E820_TABLE + 20 * i;
        wr(e, 0, a->e820[i].addr, 8);
        wr(e, 8, a->e820[i].size, 8);
        wr(e, 16, a->e820[i].type, 4);
    }
}
