/* libFuzzer target for the ACPI table parser and the multiboot memory map: the input is physical
 * memory from address 0 (everything else unreadable). The root pointer is searched in it, then
 * every table it leads to is walked with every accessor; invariants (tables inside the input,
 * checksums, progress of the MADT walk) are checked with __builtin_trap. */
#include <lib/acpi.h>
#include <lib/multiboot.h>
#include <lib/string.h>

#define CHECK(c)                                                                                             \
    do {                                                                                                     \
        if (!(c))                                                                                            \
            __builtin_trap();                                                                                \
    } while (0)

struct input {
    const u8 *data;
    size_t size;
};

static const void *map(void *ctx, u64 pa, u64 len)
{
    const struct input *in = ctx;
    return pa < in->size && len <= in->size - pa ? in->data + pa : NULL;
}

static void check_table(const struct input *in, const struct acpi_table *t)
{
    CHECK(t->data >= in->data && t->length >= ACPI_HEADER_SIZE && t->data + t->length <= in->data + in->size);
    u8 s = 0;
    for (u32 i = 0; i < t->length; i++)
        s = (u8)(s + t->data[i]);
    CHECK(s == 0);
}

static void walk(const struct input *in, const struct acpi_mem *mem, u64 rsdp)
{
    struct acpi a;
    if (acpi_open(&a, mem, rsdp) != ACPI_OK)
        return;
    check_table(in, &a.root);
    CHECK(ACPI_HEADER_SIZE + (u64)a.entries * a.entry_size <= a.root.length);
    struct acpi_table t, dsdt;
    for (u32 i = 0; i < 4 && acpi_get_table(&a, "APIC", i, &t); i++) {
        check_table(in, &t);
        u64 lapic;
        (void)acpi_madt_lapic_address(&t, &lapic);
        struct acpi_madt_entry e;
        u32 off = 0, prev = 0;
        while (acpi_madt_next(&t, &off, &e)) {
            CHECK(off > prev && off <= t.length && e.length >= 2);
            prev = off;
        }
    }
    if (acpi_get_table(&a, "FACP", 0, &t)) {
        check_table(in, &t);
        struct acpi_fadt f;
        u8 sa, sb;
        if (acpi_fadt_parse(&t, &f) && acpi_table_at(mem, f.dsdt, "DSDT", &dsdt)) {
            check_table(in, &dsdt);
            (void)acpi_dsdt_s5(&dsdt, &sa, &sb);
        }
    }
    if (acpi_get_table(&a, "MCFG", 0, &t)) {
        struct acpi_mcfg_entry e;
        for (u32 i = 0; acpi_mcfg_entry(&t, i, &e); i++)
            CHECK(e.bus_start <= e.bus_end && 44 + 16 * (u64)(i + 1) <= t.length);
    }
    /* Any table as a DSDT (the \_S5 search over arbitrary bytes). */
    u8 sa, sb;
    if (acpi_table_at(mem, a.root.pa, NULL, &t))
        (void)acpi_dsdt_s5(&t, &sa, &sb);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    struct input in = {data, size};
    struct acpi_mem mem = {map, &in};
    u64 rsdp;
    if (acpi_find_rsdp(&mem, 0, size, &rsdp))
        walk(&in, &mem, rsdp);
    walk(&in, &mem, 0);
    struct multiboot_mmap_entry e;
    u32 len = size > 0xffffffffu ? 0xffffffffu : (u32)size;
    for (u32 off = 0, prev = 0; multiboot_mmap_next(data, len, &off, &e); prev = off)
        CHECK(off > prev && off <= len);
    return 0;
}
