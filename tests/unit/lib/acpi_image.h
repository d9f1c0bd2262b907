/* A fake physical memory holding ACPI tables as SeaBIOS lays them out for QEMU q35, for the ACPI
 * parser's unit tests and the seeds of its fuzzer. Each helper writes a table and fixes its
 * checksum; the tests then break one thing at a time. */
#ifndef TESTS_ACPI_IMAGE_H
#define TESTS_ACPI_IMAGE_H

#include <string.h>

#include <lib/acpi.h>

#define IMG_SIZE 0x8000u
#define PA_RSDP 0x0100u
#define PA_RSDT 0x1000u
#define PA_XSDT 0x1800u
#define PA_MADT 0x2000u
#define PA_FADT 0x3000u
#define PA_DSDT 0x4000u
#define PA_MCFG 0x5000u

struct acpi_image {
    u8 mem[IMG_SIZE];
    u64 readable; /* map() refuses anything past this (default: IMG_SIZE) */
};

static inline void put16(u8 *p, u16 v) { p[0] = (u8)v, p[1] = (u8)(v >> 8); }
static inline void put32(u8 *p, u32 v) { put16(p, (u16)v), put16(p + 2, (u16)(v >> 16)); }
static inline void put64(u8 *p, u64 v) { put32(p, (u32)v), put32(p + 4, (u32)(v >> 32)); }

static inline void fix_sum(u8 *p, u32 len, u32 sum_off)
{
    u8 s = 0;
    p[sum_off] = 0;
    for (u32 i = 0; i < len; i++)
        s = (u8)(s + p[i]);
    p[sum_off] = (u8)-s;
}

static inline void fix_table(struct acpi_image *img, u32 pa)
{
    u32 len = img->mem[pa + 4] | img->mem[pa + 5] << 8 | img->mem[pa + 6] << 16 | (u32)img->mem[pa + 7] << 24;
    fix_sum(img->mem + pa, len, 9);
}

static inline u8 *header(struct acpi_image *img, u32 pa, const char *sig, u32 len, u8 rev)
{
    u8 *t = img->mem + pa;
    memset(t, 0, len);
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, "CVISOR", 6);
    return t;
}

static inline void fix_rsdp(struct acpi_image *img)
{
    fix_sum(img->mem + PA_RSDP, 20, 8);
    fix_sum(img->mem + PA_RSDP, 36, 32);
}

/* rsdp_rev 0: RSDT only; 2: XSDT too. cpus local APICs (ids 0..cpus-1; one more disabled). */
static inline void acpi_image_build(struct acpi_image *img, u8 rsdp_rev, unsigned cpus)
{
    memset(img, 0, sizeof(*img));
    img->readable = IMG_SIZE;
    u8 *r = img->mem + PA_RSDP;
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "CVISOR", 6);
    r[15] = rsdp_rev;
    put32(r + 16, PA_RSDT);
    if (rsdp_rev >= 2) {
        put32(r + 20, 36);
        put64(r + 24, PA_XSDT);
    }
    fix_rsdp(img);

    const u32 tables[] = {PA_FADT, PA_MADT, PA_MCFG};
    u8 *t = header(img, PA_RSDT, "RSDT", 36 + 4 * 3, 1);
    for (int i = 0; i < 3; i++)
        put32(t + 36 + 4 * i, tables[i]);
    fix_table(img, PA_RSDT);
    t = header(img, PA_XSDT, "XSDT", 36 + 8 * 3, 1);
    for (int i = 0; i < 3; i++)
        put64(t + 36 + 8 * i, tables[i]);
    fix_table(img, PA_XSDT);

    /* MADT: local APIC address, flags, then LAPICs, an I/O APIC, two overrides (as QEMU's). */
    u32 len = 44 + 8 * (cpus + 1) + 12 + 10 * 2;
    t = header(img, PA_MADT, "APIC", len, 3);
    put32(t + 36, 0xfee00000);
    put32(t + 40, 1);
    u8 *e = t + 44;
    for (unsigned c = 0; c <= cpus; c++, e += 8) {
        e[0] = 0, e[1] = 8, e[2] = (u8)c, e[3] = (u8)c;
        put32(e + 4, c < cpus ? ACPI_MADT_ENABLED : 0);
    }
    e[0] = 1, e[1] = 12, e[2] = 0;
    put32(e + 4, 0xfec00000);
    put32(e + 8, 0);
    e += 12;
    e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 0;
    put32(e + 4, 2);
    put16(e + 8, 0);
    e += 10;
    e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 9;
    put32(e + 4, 9);
    put16(e + 8, 0xd); /* level, active high */
    fix_table(img, PA_MADT);

    /* FADT revision 3 (244 bytes, as QEMU q35's): PM1a control at 0x604, reset via 0xcf9. */
    t = header(img, PA_FADT, "FACP", 244, 3);
    put32(t + 40, PA_DSDT);
    put16(t + 46, 9);
    put32(t + 64, 0x604);
    put32(t + 76, 0x608);
    t[89] = 2, t[91] = 4;
    put32(t + 112, ACPI_FADT_RESET_REG_SUP);
    t[116] = ACPI_GAS_IO, t[117] = 8;
    put64(t + 120, 0xcf9);
    t[128] = 0x0f;
    put64(t + 140, PA_DSDT);
    t[172] = ACPI_GAS_IO, t[173] = 16;
    put64(t + 176, 0x604);
    fix_table(img, PA_FADT);

    /* DSDT: a scope, then Name (_S5, Package (4) {Zero, Zero, Zero, Zero}) as QEMU writes it. */
    static const u8 aml[] = {0x10, 0x05, '_', 'S', 'B', '_', 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
                             0x00, 0x00, 0x00, 0x00};
    t = header(img, PA_DSDT, "DSDT", 36 + sizeof(aml), 1);
    memcpy(t + 36, aml, sizeof(aml));
    fix_table(img, PA_DSDT);

    /* MCFG: one entry, ECAM at 0xb0000000 for buses 0-255. */
    t = header(img, PA_MCFG, "MCFG", 44 + 16, 1);
    put64(t + 44, 0xb0000000);
    t[54] = 0, t[55] = 255;
    fix_table(img, PA_MCFG);
}

static inline const void *acpi_image_map(void *ctx, u64 pa, u64 len)
{
    struct acpi_image *img = ctx;
    return pa < img->readable && len <= img->readable - pa ? img->mem + pa : NULL;
}

#endif
