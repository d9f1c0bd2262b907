/* The machine description (base/core/machine.c, machine_fdt.c): a host DTB's /memory (several
 * nodes and ranges, disabled ones skipped), /reserved-memory and the DTB's own range, /cpus (only
 * device_type "cpu" nodes); the adders' limits and the device-range containment rule that the
 * ACPI describer relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <base/log.h>
#include <base/machine.h>
#include <lib/string.h>

#define CELLS(w, name, ...)                                                                                  \
    fdt_property_cells(w, name, (const u32[]){__VA_ARGS__}, sizeof((const u32[]){__VA_ARGS__}) / sizeof(u32))

enum log_level log_level_current = LOG_INFO;
static unsigned warnings;
void log_write(enum log_level level, long vm_id, const char *fmt, ...)
{
    (void)vm_id, (void)fmt;
    warnings += level == LOG_WARN;
}

static u8 buf[4096];
static struct fdt tree;
static struct machine m;

static void build(void)
{
    struct fdt_writer wr, *w = &wr;
    fdt_writer_init(w, buf, sizeof(buf));
    fdt_begin_node(w, "");
    fdt_property_u32(w, "#address-cells", 2);
    fdt_property_u32(w, "#size-cells", 2);
    fdt_begin_node(w, "memory@40000000");
    fdt_property_string(w, "device_type", "memory");
    CELLS(w, "reg", 0, 0x40000000, 0, 0x20000000, 1, 0, 0, 0x10000000);
    fdt_end_node(w);
    fdt_begin_node(w, "memory@80000000");
    fdt_property_string(w, "device_type", "memory");
    fdt_property_string(w, "status", "disabled");
    CELLS(w, "reg", 0, 0x80000000, 0, 0x1000000);
    fdt_end_node(w);
    fdt_begin_node(w, "reserved-memory");
    fdt_property_u32(w, "#address-cells", 2);
    fdt_property_u32(w, "#size-cells", 2);
    fdt_begin_node(w, "fw@40000000");
    CELLS(w, "reg", 0, 0x40000000, 0, 0x80000);
    fdt_end_node(w);
    fdt_end_node(w);
    fdt_begin_node(w, "cpus");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 0);
    for (u32 i = 0; i < 3; i++) {
        char name[16] = "cpu@0";
        name[4] = (char)('0' + i);
        fdt_begin_node(w, name);
        fdt_property_string(w, "device_type", "cpu");
        CELLS(w, "reg", 0x100 + i);
        fdt_end_node(w);
    }
    fdt_begin_node(w, "cpu-map");
    fdt_end_node(w);
    fdt_end_node(w);
    fdt_end_node(w);
    int size = fdt_writer_finish(w);
    assert_true(size > 0);
    assert_int_equal(fdt_open(&tree, buf, (size_t)size), 0);
}

static void from_fdt(void **state)
{
    (void)state;
    build();
    memset(&m, 0, sizeof(m));
    machine_from_fdt(&m, &tree, 0x48000000, 0x2000);
    assert_ptr_equal(m.fdt, &tree);
    assert_int_equal(m.ram_count, 2);
    assert_int_equal(m.ram[0].base, 0x40000000);
    assert_int_equal(m.ram[0].size, 0x20000000);
    assert_int_equal(m.ram[1].base, 0x100000000ull);
    assert_int_equal(m.ram[1].size, 0x10000000);
    /* /reserved-memory is the firmware's (a VM may be given it); the DTB is the base's own */
    assert_int_equal(m.firmware_count, 1);
    assert_int_equal(m.firmware[0].base, 0x40000000);
    assert_int_equal(m.firmware[0].size, 0x80000);
    assert_false(m.firmware_truncated);
    assert_int_equal(m.reserved_count, 1);
    assert_int_equal(m.reserved[0].base, 0x48000000);
    assert_int_equal(m.reserved[0].size, 0x2000);
    assert_int_equal(m.cpu_count, 3);
    for (u32 i = 0; i < 3; i++)
        assert_int_equal(m.cpu_hwid[i], 0x100 + i);
    assert_int_equal(m.device_count, 0);
    assert_int_equal(m.console_irq, 0);
}

static void adders(void **state)
{
    (void)state;
    memset(&m, 0, sizeof(m));
    warnings = 0;
    assert_true(machine_add_ram(&m, 0x1000, 0)); /* size 0: ignored */
    assert_int_equal(m.ram_count, 0);
    for (u32 i = 0; i < MACHINE_MAX_RAM; i++)
        assert_true(machine_add_ram(&m, (u64)i << 30, 1 << 20));
    assert_false(machine_add_ram(&m, 1ull << 40, 1 << 20));
    assert_int_equal(m.ram_count, MACHINE_MAX_RAM);
    assert_int_equal(warnings, 1);
    /* Device ranges inside an earlier one are not added again; overlapping ones are. */
    assert_true(machine_add_device(&m, 0xb0000000, 0x10000000));
    assert_true(machine_add_device(&m, 0xb0100000, 0x1000));
    assert_true(machine_add_device(&m, 0xbffff000, 0x1000));
    assert_int_equal(m.device_count, 1);
    assert_true(machine_add_device(&m, 0xbffff000, 0x2000));
    assert_int_equal(m.device_count, 2);
    for (u32 i = 0; i < MACHINE_MAX_CPUS; i++)
        machine_add_cpu(&m, i);
    assert_false(m.cpus_truncated);
    machine_add_cpu(&m, 999);
    assert_true(m.cpus_truncated);
    assert_int_equal(m.cpu_count, MACHINE_MAX_CPUS);
    /* A firmware reservation that does not fit is not dropped silently: the flag stops mm_init.
     * One reaching past the top of the address space is clipped there. */
    for (u32 i = 0; i < MACHINE_MAX_RESERVED; i++)
        machine_add_firmware_reserved(&m, (u64)i << 20, 0x1000);
    assert_false(m.firmware_truncated);
    machine_add_firmware_reserved(&m, 1ull << 40, 0x1000);
    assert_true(m.firmware_truncated);
    memset(&m, 0, sizeof(m));
    machine_add_firmware_reserved(&m, ~0ull - 0xfff, 0x10000);
    assert_int_equal(m.firmware[0].size, 0xfff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(from_fdt), cmocka_unit_test(adders)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
