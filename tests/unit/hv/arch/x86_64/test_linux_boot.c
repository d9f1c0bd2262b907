/* The Linux x86 boot protocol, loader side (hv/arch/x86_64/linux_boot.c) and the ACPI tables
 * cvisor writes for a VM (hv/arch/x86_64/acpi_tables.c), the latter read back with the base's own
 * ACPI parser (lib/src/acpi.c): checksums, lengths, every MADT entry, the FADT's ports, \_S5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/acpi_tables.h>
#include <arch/linux_boot.h>
#include <lib/acpi.h>
#include <lib/string.h>

#define IMG_SIZE 0x4000
static u8 img[IMG_SIZE];

static void put(u8 *p, u32 off, u64 v, u32 n) { memcpy(p + off, &v, n); }
static u64 get(const u8 *p, u32 off, u32 n)
{
    u64 v = 0;
    memcpy(&v, p + off, n);
    return v;
}

/* A bzImage header as Debian's 6.1 kernel has it (protocol 2.15), 3 setup sectors + 4 KiB kernel. */
static void make_bzimage(void)
{
    memset(img, 0, sizeof(img));
    img[0x1f1] = 3;                        /* setup_sects */
    put(img, 0x1f4, 0x1000 / 16, 4);       /* syssize */
    put(img, 0x1fe, 0xaa55, 2);
    img[0x200] = 0xeb, img[0x201] = 0x6a;  /* jmp: header ends at 0x26c */
    memcpy(img + 0x202, "HdrS", 4);
    put(img, 0x206, 0x020f, 2);
    img[0x211] = 0x01;                     /* LOADED_HIGH */
    put(img, 0x22c, 0x7fffffff, 4);        /* initrd_addr_max */
    put(img, 0x230, 0x200000, 4);          /* kernel_alignment */
    img[0x234] = 1;                        /* relocatable */
    put(img, 0x236, 0x7f, 2);              /* xloadflags: XLF_KERNEL_64 ... */
    put(img, 0x238, 2047, 4);              /* cmdline_size */
    put(img, 0x258, 0x1000000, 8);         /* pref_address */
    put(img, 0x260, 0x3000, 4);            /* init_size */
    img[0x268] = 0x5a;                     /* (kernel_info_offset: inside the header, copied) */
    img[0x270] = 0x77;                     /* past the header: not copied */
}

static void test_bzimage_parse(void **state)
{
    (void)state;
    struct linux_bzimage bz;
    const char *why = NULL;
    make_bzimage();
    assert_int_equal(linux_bzimage_parse(img, IMG_SIZE, &bz, &why), 0);
    assert_int_equal(bz.version, 0x020f);
    assert_int_equal(bz.setup_bytes, 4 * 512);
    assert_int_equal(bz.kernel_bytes, 0x1000);
    assert_int_equal(bz.kernel_alignment, 0x200000);
    assert_true(bz.relocatable);
    assert_int_equal(bz.pref_address, 0x1000000);
    assert_int_equal(bz.init_size, 0x3000);
    assert_int_equal(bz.initrd_addr_max, 0x7fffffff);
    assert_int_equal(bz.cmdline_size, 2047);
    assert_int_equal(bz.header_end, 0x26c);
    /* setup_sects 0 means 4 */
    img[0x1f1] = 0;
    assert_int_equal(linux_bzimage_parse(img, IMG_SIZE, &bz, &why), 0);
    assert_int_equal(bz.setup_bytes, 5 * 512);
}

static void expect_refused(const char *what)
{
    struct linux_bzimage bz;
    const char *why = NULL;
    assert_int_equal(linux_bzimage_parse(img, IMG_SIZE, &bz, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, what));
}

static void test_bzimage_refused(void **state)
{
    (void)state;
    struct linux_bzimage bz;
    const char *why = NULL;
    make_bzimage();
    assert_int_equal(linux_bzimage_parse(img, 0x200, &bz, &why), -1); /* truncated */
    make_bzimage(), img[0x1fe] = 0;
    expect_refused("no Linux setup header");
    make_bzimage(), img[0x205] = 'X';
    expect_refused("no Linux setup header");
    make_bzimage(), put(img, 0x206, 0x020b, 2);
    expect_refused("older than 2.12");
    make_bzimage(), put(img, 0x236, 0x7e, 2); /* a 32-bit-only kernel */
    expect_refused("64-bit");
    make_bzimage(), img[0x211] = 0;          /* zImage, loaded low */
    expect_refused("64-bit");
    make_bzimage(), put(img, 0x1f4, 0x10000000, 4); /* syssize past the file (and overflowing * 16) */
    expect_refused("past the end");
    make_bzimage(), put(img, 0x1f4, 0x4000 / 16, 4);
    expect_refused("past the end");
    make_bzimage(), img[0x201] = 0xff;       /* header past boot_params' limit */
    expect_refused("header length");
    make_bzimage(), put(img, 0x230, 0x300000, 4);
    expect_refused("power of two");
    make_bzimage(), put(img, 0x260, 0x100, 4);
    expect_refused("init_size");
}

static void test_boot_params(void **state)
{
    (void)state;
    struct linux_bzimage bz;
    const char *why;
    make_bzimage();
    assert_int_equal(linux_bzimage_parse(img, IMG_SIZE, &bz, &why), 0);
    static u8 zp[LINUX_BOOT_PARAMS_SIZE];
    memset(zp, 0xcc, sizeof(zp));
    const struct linux_e820 e820[] = {{0, 0x9fc00, LINUX_E820_RAM}, {0x9fc00, 0x60400, LINUX_E820_RESERVED},
                                      {0x100000, 0xff00000, LINUX_E820_RAM}};
    struct linux_boot_args a = {.cmdline_gpa = 0x9000, .initrd_gpa = 0x8000000, .initrd_size = 123456,
                                .acpi_rsdp = 0xe0000, .e820 = e820, .e820_count = 3};
    linux_boot_params_build(zp, img, &bz, &a);
    assert_int_equal(zp[0], 0);                       /* zeroed */
    assert_int_equal(get(zp, 0x202, 4), get(img, 0x202, 4)); /* header copied */
    assert_int_equal(zp[0x268], 0x5a);
    assert_int_equal(zp[0x270], 0);                   /* ... only the header */
    assert_int_equal(zp[0x210], 0xff);                /* type_of_loader */
    assert_int_equal(get(zp, 0x228, 4), 0x9000);      /* cmd_line_ptr */
    assert_int_equal(get(zp, 0x218, 4), 0x8000000);   /* ramdisk_image */
    assert_int_equal(get(zp, 0x21c, 4), 123456);      /* ramdisk_size */
    assert_int_equal(get(zp, 0x070, 8), 0xe0000);     /* acpi_rsdp_addr */
    assert_int_equal(zp[0x1e8], 3);                   /* e820_entries */
    assert_int_equal(get(zp, 0x2d0 + 20 * 1, 8), 0x9fc00);
    assert_int_equal(get(zp, 0x2d0 + 20 * 1 + 8, 8), 0x60400);
    assert_int_equal(get(zp, 0x2d0 + 20 * 1 + 16, 4), LINUX_E820_RESERVED);
    assert_int_equal(get(zp, 0x2d0 + 20 * 2, 8), 0x100000);
    assert_int_equal(get(zp, 0x2d0 + 20 * 3, 8), 0);  /* nothing after */
    /* no initrd: ramdisk_image stays 0 */
    a.initrd_size = 0;
    linux_boot_params_build(zp, img, &bz, &a);
    assert_int_equal(get(zp, 0x218, 4), 0);
}

/* ---- ACPI tables, parsed back ---- */

#define ACPI_BASE 0xe0000u
static u8 acpi[ACPI_TABLES_MAX_BYTES];

static const void *acpi_map(void *ctx, u64 pa, u64 len)
{
    (void)ctx;
    if (pa < ACPI_BASE || pa + len > ACPI_BASE + sizeof(acpi) || pa + len < pa)
        return NULL;
    return acpi + (pa - ACPI_BASE);
}

static const struct acpi_mem mem = {acpi_map, NULL};

static void test_acpi_tables(void **state)
{
    (void)state;
    struct acpi_tables_params p = {.cpus = 2, .lapic_base = 0xfee00000, .ioapic_id = 0, .ioapic_base = 0xfec00000,
                                   .hpet_base = 0xfed00000, .hpet_id = 0x80862201};
    u32 used = acpi_tables_build(acpi, sizeof(acpi), ACPI_BASE, &p);
    assert_true(used > 0 && used <= sizeof(acpi));
    u64 rsdp;
    assert_true(acpi_find_rsdp(&mem, ACPI_BASE, sizeof(acpi), &rsdp));
    assert_int_equal(rsdp, ACPI_BASE);
    struct acpi a;
    assert_int_equal(acpi_open(&a, &mem, rsdp), ACPI_OK);
    assert_int_equal(a.revision, 2);
    assert_int_equal(a.entry_size, 8); /* the XSDT */
    assert_int_equal(a.entries, 3);

    struct acpi_table madt, fadt, dsdt, hpet;
    assert_true(acpi_get_table(&a, "APIC", 0, &madt));
    u64 lapic;
    assert_true(acpi_madt_lapic_address(&madt, &lapic));
    assert_int_equal(lapic, 0xfee00000);
    u32 off = 0, cpus = 0, ioapics = 0, overrides = 0;
    struct acpi_madt_entry e;
    while (acpi_madt_next(&madt, &off, &e)) {
        if (e.type == ACPI_MADT_LOCAL_APIC) {
            assert_int_equal(e.u.lapic.apic_id, cpus);
            assert_int_equal(e.u.lapic.uid, cpus);
            assert_true(e.u.lapic.flags & ACPI_MADT_ENABLED);
            cpus++;
        } else if (e.type == ACPI_MADT_IO_APIC) {
            assert_int_equal(e.u.ioapic.address, 0xfec00000);
            assert_int_equal(e.u.ioapic.gsi_base, 0);
            ioapics++;
        } else if (e.type == ACPI_MADT_INT_OVERRIDE) {
            if (e.u.override.source == 0) {
                assert_int_equal(e.u.override.gsi, 2); /* the PIT's IRQ 0 is pin 2 */
            } else {
                assert_int_equal(e.u.override.source, ACPI_SCI_IRQ);
                assert_int_equal(ACPI_MADT_TRIGGER(e.u.override.flags), ACPI_MADT_LEVEL);
            }
            overrides++;
        }
    }
    assert_int_equal(off, madt.length); /* every entry read, none malformed */
    assert_int_equal(cpus, 2);
    assert_int_equal(ioapics, 1);
    assert_int_equal(overrides, 2);

    assert_true(acpi_get_table(&a, "FACP", 0, &fadt));
    assert_int_equal(fadt.length, 276);
    struct acpi_fadt f;
    assert_true(acpi_fadt_parse(&fadt, &f));
    assert_int_equal(f.pm1a_cnt.space, ACPI_GAS_IO);
    assert_int_equal(f.pm1a_cnt.address, ACPI_PM1A_CNT_PORT);
    assert_int_equal(f.pm_timer.address, ACPI_PM_TMR_PORT);
    assert_int_equal(f.sci_irq, ACPI_SCI_IRQ);
    assert_true(f.has_reset);
    assert_int_equal(f.reset_reg.address, 0xcf9);
    assert_int_equal(f.reset_value, 6);
    assert_true(acpi_table_at(&mem, f.dsdt, "DSDT", &dsdt));
    u8 typa = 0xff, typb = 0xff;
    assert_true(acpi_dsdt_s5(&dsdt, &typa, &typb));
    assert_int_equal(typa, ACPI_S5_SLP_TYP);
    assert_int_equal(typb, ACPI_S5_SLP_TYP);
    assert_int_equal(get(fadt.data, 36, 4) & 63, 0); /* the FACS, 64-byte aligned */
    assert_true(acpi_map(NULL, get(fadt.data, 36, 4), 64) != NULL);
    assert_memory_equal(acpi_map(NULL, get(fadt.data, 36, 4), 4), "FACS", 4);

    assert_true(acpi_get_table(&a, "HPET", 0, &hpet));
    assert_int_equal(hpet.length, 56);
    assert_int_equal(get(hpet.data, 36, 4), 0x80862201);
    assert_int_equal(get(hpet.data, 44, 8), 0xfed00000);
}

static void test_acpi_tables_limits(void **state)
{
    (void)state;
    struct acpi_tables_params p = {.cpus = ACPI_MAX_CPUS, .lapic_base = 0xfee00000, .ioapic_base = 0xfec00000};
    assert_true(acpi_tables_build(acpi, sizeof(acpi), ACPI_BASE, &p) > 0); /* the most vCPUs fit */
    struct acpi a;
    assert_int_equal(acpi_open(&a, &mem, ACPI_BASE), ACPI_OK);
    assert_int_equal(a.entries, 2); /* no HPET table without an HPET */
    p.cpus = ACPI_MAX_CPUS + 1;
    assert_int_equal(acpi_tables_build(acpi, sizeof(acpi), ACPI_BASE, &p), 0);
    p.cpus = 0;
    assert_int_equal(acpi_tables_build(acpi, sizeof(acpi), ACPI_BASE, &p), 0);
    p.cpus = 1;
    assert_int_equal(acpi_tables_build(acpi, 100, ACPI_BASE, &p), 0);       /* too small a buffer */
    assert_int_equal(acpi_tables_build(acpi, sizeof(acpi), ACPI_BASE + 4, &p), 0); /* misaligned */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bzimage_parse),   cmocka_unit_test(test_bzimage_refused),
        cmocka_unit_test(test_boot_params),     cmocka_unit_test(test_acpi_tables),
        cmocka_unit_test(test_acpi_tables_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
