/* The ACPI table parser (lib/src/acpi.c) and the multiboot memory map (lib/src/multiboot.c):
 * tables as SeaBIOS gives them for QEMU q35 parse into what the x86 base needs, and each kind of
 * damage (checksums, lengths, truncation, entries running past their table, malformed AML) is
 * refused without reading outside what the memory callback gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <lib/acpi.h>
#include <lib/multiboot.h>

#include "acpi_image.h"

static struct acpi_image img;
static struct acpi_mem mem = {acpi_image_map, &img};

static void open_ok(struct acpi *a)
{
    u64 rsdp;
    assert_true(acpi_find_rsdp(&mem, 0, IMG_SIZE, &rsdp));
    assert_int_equal(rsdp, PA_RSDP);
    assert_int_equal(acpi_open(a, &mem, rsdp), ACPI_OK);
}

static void test_q35_layout(void **state)
{
    (void)state;
    acpi_image_build(&img, 0, 4);
    struct acpi a;
    open_ok(&a);
    assert_int_equal(a.entry_size, 4); /* revision 0: the RSDT */
    assert_int_equal(a.entries, 3);

    struct acpi_table madt, fadt, dsdt, mcfg;
    assert_true(acpi_get_table(&a, "APIC", 0, &madt));
    assert_false(acpi_get_table(&a, "APIC", 1, &madt) && madt.pa != PA_MADT);
    u64 lapic;
    assert_true(acpi_madt_lapic_address(&madt, &lapic));
    assert_int_equal(lapic, 0xfee00000);
    unsigned cpus = 0, disabled = 0, ioapics = 0, overrides = 0;
    struct acpi_madt_entry e;
    for (u32 off = 0; acpi_madt_next(&madt, &off, &e);) {
        if (e.type == ACPI_MADT_LOCAL_APIC) {
            if (e.u.lapic.flags & ACPI_MADT_ENABLED)
                assert_int_equal(e.u.lapic.apic_id, cpus++);
            else
                disabled++;
        } else if (e.type == ACPI_MADT_IO_APIC) {
            assert_int_equal(e.u.ioapic.address, 0xfec00000);
            assert_int_equal(e.u.ioapic.gsi_base, 0);
            ioapics++;
        } else if (e.type == ACPI_MADT_INT_OVERRIDE) {
            if (e.u.override.source == 9) {
                assert_int_equal(ACPI_MADT_TRIGGER(e.u.override.flags), ACPI_MADT_LEVEL);
                assert_int_equal(e.u.override.gsi, 9);
            } else {
                assert_int_equal(e.u.override.source, 0);
                assert_int_equal(e.u.override.gsi, 2);
            }
            overrides++;
        }
    }
    assert_int_equal(cpus, 4);
    assert_int_equal(disabled, 1);
    assert_int_equal(ioapics, 1);
    assert_int_equal(overrides, 2);

    assert_true(acpi_get_table(&a, "FACP", 0, &fadt));
    struct acpi_fadt f;
    assert_true(acpi_fadt_parse(&fadt, &f));
    assert_int_equal(f.dsdt, PA_DSDT);
    assert_int_equal(f.sci_irq, 9);
    assert_int_equal(f.pm1a_cnt.space, ACPI_GAS_IO);
    assert_int_equal(f.pm1a_cnt.address, 0x604);
    assert_int_equal(f.pm1b_cnt.address, 0);
    assert_int_equal(f.pm_timer.address, 0x608);
    assert_true(f.has_reset);
    assert_int_equal(f.reset_reg.address, 0xcf9);
    assert_int_equal(f.reset_value, 0x0f);

    assert_true(acpi_table_at(&mem, f.dsdt, "DSDT", &dsdt));
    u8 typa = 0xaa, typb = 0xaa;
    assert_true(acpi_dsdt_s5(&dsdt, &typa, &typb));
    assert_int_equal(typa, 0);
    assert_int_equal(typb, 0);

    assert_true(acpi_get_table(&a, "MCFG", 0, &mcfg));
    struct acpi_mcfg_entry m;
    assert_true(acpi_mcfg_entry(&mcfg, 0, &m));
    assert_int_equal(m.base, 0xb0000000);
    assert_int_equal(m.segment, 0);
    assert_int_equal(m.bus_start, 0);
    assert_int_equal(m.bus_end, 255);
    assert_false(acpi_mcfg_entry(&mcfg, 1, &m));
    assert_false(acpi_get_table(&a, "HPET", 0, &mcfg));
}

static void test_rsdp_checks(void **state)
{
    (void)state;
    u64 rsdp;
    acpi_image_build(&img, 2, 1);
    assert_true(acpi_find_rsdp(&mem, 0, IMG_SIZE, &rsdp));
    img.mem[PA_RSDP + 30] ^= 1; /* inside the extended (revision 2) part only */
    assert_false(acpi_find_rsdp(&mem, 0, IMG_SIZE, &rsdp));
    fix_rsdp(&img);
    assert_true(acpi_find_rsdp(&mem, 0, IMG_SIZE, &rsdp));
    put32(img.mem + PA_RSDP + 20, 0x7fffffff); /* extended length past memory */
    fix_rsdp(&img);
    assert_false(acpi_find_rsdp(&mem, 0, IMG_SIZE, &rsdp));
    acpi_image_build(&img, 0, 1);
    img.mem[PA_RSDP + 9] ^= 0x40; /* first checksum */
    assert_false(acpi_find_rsdp(&mem, 0, IMG_SIZE, &rsdp));
    /* Only 16-byte boundaries are searched, and never past the range. */
    acpi_image_build(&img, 0, 1);
    assert_false(acpi_find_rsdp(&mem, PA_RSDP + 8, 0x100, &rsdp));
    assert_false(acpi_find_rsdp(&mem, 0, PA_RSDP + 19, &rsdp));
    assert_true(acpi_find_rsdp(&mem, 0, PA_RSDP + 20, &rsdp));
    struct acpi a;
    assert_int_equal(acpi_open(&a, &mem, PA_RSDP + 16), ACPI_ERR_RSDP);
}

static void test_root_table_choice(void **state)
{
    (void)state;
    struct acpi a;
    acpi_image_build(&img, 2, 2);
    open_ok(&a);
    assert_int_equal(a.entry_size, 8); /* revision 2: the XSDT */
    /* A broken XSDT: the RSDT lists the same tables. */
    img.mem[PA_XSDT + 40] ^= 1;
    open_ok(&a);
    assert_int_equal(a.entry_size, 4);
    struct acpi_table t;
    assert_true(acpi_get_table(&a, "APIC", 0, &t));
    /* Both broken: no tables. */
    img.mem[PA_RSDT + 36] ^= 1;
    assert_int_equal(acpi_open(&a, &mem, PA_RSDP), ACPI_ERR_ROOT);
    /* A root table shorter than a header. */
    acpi_image_build(&img, 0, 2);
    put32(img.mem + PA_RSDT + 4, 20);
    fix_table(&img, PA_RSDT);
    assert_int_equal(acpi_open(&a, &mem, PA_RSDP), ACPI_ERR_ROOT);
}

static void test_bad_tables_are_skipped(void **state)
{
    (void)state;
    struct acpi a;
    struct acpi_table t;
    acpi_image_build(&img, 0, 2);
    open_ok(&a);
    img.mem[PA_MADT + 50] ^= 0x10; /* checksum */
    assert_false(acpi_get_table(&a, "APIC", 0, &t));
    assert_true(acpi_get_table(&a, "FACP", 0, &t));
    /* A length running past readable memory. */
    acpi_image_build(&img, 0, 2);
    open_ok(&a);
    img.readable = PA_MCFG + 50;
    assert_false(acpi_get_table(&a, "MCFG", 0, &t));
    /* Lengths below a header, or absurdly large. */
    acpi_image_build(&img, 0, 2);
    open_ok(&a);
    put32(img.mem + PA_MCFG + 4, 35);
    fix_sum(img.mem + PA_MCFG, 35, 9);
    assert_false(acpi_get_table(&a, "MCFG", 0, &t));
    put32(img.mem + PA_MCFG + 4, 0xffffffff);
    assert_false(acpi_get_table(&a, "MCFG", 0, &t));
    /* An entry pointing outside memory. */
    acpi_image_build(&img, 0, 2);
    put32(img.mem + PA_RSDT + 36, 0xfffffff0);
    fix_table(&img, PA_RSDT);
    open_ok(&a);
    assert_false(acpi_get_table(&a, "FACP", 0, &t));
    assert_true(acpi_get_table(&a, "APIC", 0, &t));
}

static unsigned madt_entries(void)
{
    struct acpi_table madt;
    struct acpi_madt_entry e;
    assert_true(acpi_table_at(&mem, PA_MADT, "APIC", &madt));
    unsigned n = 0;
    for (u32 off = 0; acpi_madt_next(&madt, &off, &e) && n < 1000;)
        n++;
    return n;
}

static void test_madt_malformed_entries(void **state)
{
    (void)state;
    acpi_image_build(&img, 0, 2);
    assert_int_equal(madt_entries(), 3 + 1 + 2);
    /* A zero-length entry ends the walk (no endless loop). */
    img.mem[PA_MADT + 44 + 8 + 1] = 0;
    fix_table(&img, PA_MADT);
    assert_int_equal(madt_entries(), 1);
    /* An entry too short for its type. */
    acpi_image_build(&img, 0, 2);
    img.mem[PA_MADT + 44 + 1] = 6;
    fix_table(&img, PA_MADT);
    assert_int_equal(madt_entries(), 0);
    /* The last entry running past the table. */
    acpi_image_build(&img, 0, 2);
    u32 len = 44 + 8 * 3 + 12 + 20;
    img.mem[PA_MADT + len - 10 + 1] = 11;
    fix_table(&img, PA_MADT);
    assert_int_equal(madt_entries(), 5);
    /* The local APIC address override entry (type 5). */
    acpi_image_build(&img, 0, 0);
    u8 *t = img.mem + PA_MADT;
    u8 *e = t + 44;
    e[0] = ACPI_MADT_LOCAL_APIC_ADDRESS, e[1] = 12;
    put64(e + 4, 0x1fee00000ull);
    fix_table(&img, PA_MADT);
    struct acpi_table madt;
    assert_true(acpi_table_at(&mem, PA_MADT, "APIC", &madt));
    u64 lapic;
    assert_true(acpi_madt_lapic_address(&madt, &lapic));
    assert_int_equal(lapic, 0x1fee00000ull);
}

static void test_fadt_versions(void **state)
{
    (void)state;
    struct acpi_table t;
    struct acpi_fadt f;
    /* ACPI 1.0's 116-byte FADT: the port fields, no reset register, no X_ fields. */
    acpi_image_build(&img, 0, 1);
    put32(img.mem + PA_FADT + 4, 116);
    img.mem[PA_FADT + 8] = 1;
    fix_table(&img, PA_FADT);
    assert_true(acpi_table_at(&mem, PA_FADT, "FACP", &t));
    assert_true(acpi_fadt_parse(&t, &f));
    assert_int_equal(f.dsdt, PA_DSDT);
    assert_int_equal(f.pm1a_cnt.address, 0x604);
    assert_int_equal(f.pm1a_cnt.bit_width, 16);
    assert_false(f.has_reset);
    /* The X_ block wins over the 32-bit port field. */
    acpi_image_build(&img, 0, 1);
    put64(img.mem + PA_FADT + 176, 0xb004);
    put64(img.mem + PA_FADT + 140, 0x7000);
    fix_table(&img, PA_FADT);
    assert_true(acpi_table_at(&mem, PA_FADT, "FACP", &t));
    assert_true(acpi_fadt_parse(&t, &f));
    assert_int_equal(f.pm1a_cnt.address, 0xb004);
    assert_int_equal(f.dsdt, 0x7000);
    /* No RESET_REG_SUP flag: no reset register. */
    put32(img.mem + PA_FADT + 112, 0);
    fix_table(&img, PA_FADT);
    assert_true(acpi_table_at(&mem, PA_FADT, "FACP", &t));
    assert_true(acpi_fadt_parse(&t, &f));
    assert_false(f.has_reset);
    /* Too short, or not a FADT. */
    put32(img.mem + PA_FADT + 4, 60);
    fix_sum(img.mem + PA_FADT, 60, 9);
    assert_true(acpi_table_at(&mem, PA_FADT, "FACP", &t));
    assert_false(acpi_fadt_parse(&t, &f));
    assert_true(acpi_table_at(&mem, PA_MCFG, NULL, &t));
    assert_false(acpi_fadt_parse(&t, &f));
}

static bool s5_of(const u8 *aml, u32 n, u8 *a, u8 *b)
{
    u8 *t = header(&img, PA_DSDT, "DSDT", 36 + n, 2);
    memcpy(t + 36, aml, n);
    fix_table(&img, PA_DSDT);
    struct acpi_table dsdt;
    assert_true(acpi_table_at(&mem, PA_DSDT, "DSDT", &dsdt));
    return acpi_dsdt_s5(&dsdt, a, b);
}

static void test_s5_encodings(void **state)
{
    (void)state;
    acpi_image_build(&img, 0, 1);
    u8 a, b;
    static const u8 bytes[] = {0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00};
    assert_true(s5_of(bytes, sizeof(bytes), &a, &b));
    assert_int_equal(a, 5);
    assert_int_equal(b, 7);
    static const u8 rooted[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01, 0x0b, 0x03, 0x00};
    assert_true(s5_of(rooted, sizeof(rooted), &a, &b));
    assert_int_equal(a, 1);
    assert_int_equal(b, 3);
    /* A two-byte PkgLength. */
    static const u8 long_pkg[] = {0x08, '_', 'S', '5', '_', 0x12, 0x49, 0x00, 0x02, 0x0c, 0x06, 0, 0, 0, 0x00};
    assert_true(s5_of(long_pkg, sizeof(long_pkg), &a, &b));
    assert_int_equal(a, 6);
    assert_int_equal(b, 0);
    /* _S5_ used as a reference, not a name: skipped; no other: not found. */
    static const u8 reference[] = {0x70, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
    assert_false(s5_of(reference, sizeof(reference), &a, &b));
    /* The package running past the table, or one element, or a non-constant element. */
    static const u8 truncated[] = {0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x04, 0x00};
    assert_false(s5_of(truncated, sizeof(truncated), &a, &b));
    static const u8 one[] = {0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00};
    assert_false(s5_of(one, sizeof(one), &a, &b));
    static const u8 method[] = {0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x14, 0x00, 0x00};
    assert_false(s5_of(method, sizeof(method), &a, &b));
    static const u8 cut_prefix[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x0c};
    assert_false(s5_of(cut_prefix, sizeof(cut_prefix), &a, &b));
    static const u8 at_end[] = {0x08, '_', 'S', '5', '_'};
    assert_false(s5_of(at_end, sizeof(at_end), &a, &b));
}

static void test_multiboot_mmap(void **state)
{
    (void)state;
    u8 map[3 * 24];
    memset(map, 0, sizeof(map));
    for (int i = 0; i < 3; i++) {
        put32(map + 24 * i, 20);
        put64(map + 24 * i + 4, (u64)i << 32);
        put64(map + 24 * i + 12, 0x1000u * (i + 1));
        put32(map + 24 * i + 20, (u32)i + 1);
    }
    struct multiboot_mmap_entry e;
    u32 off = 0;
    for (int i = 0; i < 3; i++) {
        assert_true(multiboot_mmap_next(map, sizeof(map), &off, &e));
        assert_int_equal(e.base, (u64)i << 32);
        assert_int_equal(e.length, 0x1000u * (i + 1));
        assert_int_equal(e.type, (u32)i + 1);
    }
    assert_false(multiboot_mmap_next(map, sizeof(map), &off, &e));
    /* Truncated map, a size below 20, a size running past the map, a huge size. */
    off = 0;
    assert_false(multiboot_mmap_next(map, 20, &off, &e));
    put32(map, 19);
    off = 0;
    assert_false(multiboot_mmap_next(map, sizeof(map), &off, &e));
    put32(map, 24 * 3);
    off = 0;
    assert_false(multiboot_mmap_next(map, sizeof(map), &off, &e));
    put32(map, 0xfffffffc);
    off = 0;
    assert_false(multiboot_mmap_next(map, sizeof(map), &off, &e));
    off = 0xfffffff0;
    assert_false(multiboot_mmap_next(map, sizeof(map), &off, &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q35_layout),          cmocka_unit_test(test_rsdp_checks),
        cmocka_unit_test(test_root_table_choice),   cmocka_unit_test(test_bad_tables_are_skipped),
        cmocka_unit_test(test_madt_malformed_entries), cmocka_unit_test(test_fadt_versions),
        cmocka_unit_test(test_s5_encodings),        cmocka_unit_test(test_multiboot_mmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
