/* FDT reader and writer tests. Fixtures are generated at build time into FDT_FIXTURE_DIR
 * (overridable with the environment variable of the same name): qemu-virt.dtb dumped by QEMU,
 * and .dtb files compiled by dtc from the .dts files in tests/unit/lib/fdt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <lib/fdt.h>
#include <lib/string.h>
#include <lib/types.h>

#ifndef FDT_FIXTURE_DIR
#define FDT_FIXTURE_DIR "build/host/fdt"
#endif

/* ---- helpers ---- */

struct blob {
    u8 *data;
    size_t size;
};

static struct blob load_fixture(const char *name)
{
    const char *dir = getenv("FDT_FIXTURE_DIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : FDT_FIXTURE_DIR, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open fixture %s (run via make)", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    struct blob b = {malloc((size_t)n), (size_t)n};
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.size, fp), b.size);
    fclose(fp);
    return b;
}

static void put32(u8 *p, u32 v)
{
    p[0] = (u8)(v >> 24);
    p[1] = (u8)(v >> 16);
    p[2] = (u8)(v >> 8);
    p[3] = (u8)v;
}

static u32 get32(const u8 *p)
{
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static int node_at(const struct fdt *f, const char *path)
{
    int n = fdt_path_lookup(f, path);
    if (n < 0)
        fail_msg("no node %s", path);
    return n;
}

static void assert_reg(const struct fdt *f, int node, size_t i, u64 addr, u64 size)
{
    u64 a = 0, s = 0;
    assert_true(fdt_reg(f, node, i, &a, &s));
    assert_int_equal(a, addr);
    assert_int_equal(s, size);
}

static int count_recursive(const struct fdt *f, int node)
{
    int n = 1;
    for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c))
        n += count_recursive(f, c);
    return n;
}

/* Calls every accessor on node; only memory safety (ASan/UBSan) is being checked. */
static void poke_node(const struct fdt *f, int node)
{
    char path[256];
    u32 v32;
    u64 v64, a, s;
    size_t len;
    (void)fdt_node_name(f, node);
    (void)fdt_first_child(f, node);
    (void)fdt_next_sibling(f, node);
    (void)fdt_parent(f, node);
    (void)fdt_next_node(f, node);
    (void)fdt_node_path(f, node, path, sizeof(path));
    (void)fdt_prop(f, node, "reg", &len);
    (void)fdt_prop_string(f, node, "compatible");
    (void)fdt_prop_u32(f, node, "reg", &v32);
    (void)fdt_prop_u64(f, node, "reg", &v64);
    (void)fdt_is_compatible(f, node, "arm,pl011");
    (void)fdt_find_compatible(f, node, "arm,pl011");
    (void)fdt_address_cells(f, node);
    (void)fdt_size_cells(f, node);
    (void)fdt_reg(f, node, 0, &a, &s);
    (void)fdt_node_enabled(f, node);
    (void)fdt_subnode(f, node, "cpu", 3);
    for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p)) {
        const char *name;
        assert_non_null(fdt_prop_at(f, p, &name, &len));
    }
    (void)fdt_prop_at(f, node, NULL, NULL);
    (void)fdt_next_prop(f, node);
}

static void walk_all(const struct fdt *f)
{
    for (int n = fdt_root(f); n >= 0; n = fdt_next_node(f, n))
        poke_node(f, n);
    (void)fdt_path_lookup(f, "/a/b@1/c");
    (void)fdt_find_phandle(f, 1);
    (void)fdt_mem_rsv(f, 0, NULL, NULL);
}

/* ---- QEMU virt fixture ---- */

static int qemu_setup(void **state)
{
    static struct blob b;
    static struct fdt f;
    b = load_fixture("qemu-virt.dtb");
    assert_int_equal(fdt_open(&f, b.data, b.size), 0);
    *state = &f;
    return 0;
}

static int qemu_teardown(void **state)
{
    struct fdt *f = *state;
    free((void *)f->blob);
    return 0;
}

static void qemu_memory(void **state)
{
    const struct fdt *f = *state;
    int mem = node_at(f, "/memory");
    assert_string_equal(fdt_node_name(f, mem), "memory@40000000");
    assert_string_equal(fdt_prop_string(f, mem, "device_type"), "memory");
    assert_int_equal(fdt_address_cells(f, mem), 2);
    assert_int_equal(fdt_size_cells(f, mem), 2);
    assert_reg(f, mem, 0, 0x40000000, GiB(2));
    assert_false(fdt_reg(f, mem, 1, NULL, NULL));
}

static void qemu_cpus(void **state)
{
    const struct fdt *f = *state;
    int cpus = node_at(f, "/cpus");
    int n = 0;
    for (int c = fdt_first_child(f, cpus); c >= 0; c = fdt_next_sibling(f, c)) {
        size_t len;
        const char *type = fdt_prop(f, c, "device_type", &len);
        if (!type || strcmp(type, "cpu") != 0)
            continue; /* cpu-map */
        assert_int_equal(fdt_address_cells(f, c), 1);
        assert_int_equal(fdt_size_cells(f, c), 0);
        u64 mpidr, size = 99;
        assert_true(fdt_reg(f, c, 0, &mpidr, &size));
        assert_int_equal(mpidr, (u64)n);
        assert_int_equal(size, 0);
        assert_true(fdt_is_compatible(f, c, "arm,cortex-a72"));
        assert_string_equal(fdt_prop_string(f, c, "enable-method"), "psci");
        n++;
    }
    assert_int_equal(n, 2);
    assert_int_equal(node_at(f, "/cpus/cpu@1"), fdt_path_lookup(f, "/cpus/cpu@1"));
}

static void qemu_pl011(void **state)
{
    const struct fdt *f = *state;
    int uart = fdt_find_compatible(f, -1, "arm,pl011");
    assert_true(uart >= 0);
    assert_int_equal(uart, fdt_path_lookup(f, "/pl011@9000000"));
    assert_true(fdt_is_compatible(f, uart, "arm,primecell"));
    assert_false(fdt_is_compatible(f, uart, "arm,pl01"));
    assert_false(fdt_is_compatible(f, uart, "arm,pl0111"));
    assert_reg(f, uart, 0, 0x09000000, 0x1000);
    size_t len;
    const u8 *irq = fdt_prop(f, uart, "interrupts", &len);
    assert_non_null(irq);
    assert_int_equal(len, 12);
    assert_int_equal(get32(irq), 0);     /* SPI */
    assert_int_equal(get32(irq + 4), 1); /* SPI 1 = INTID 33 */
    assert_int_equal(get32(irq + 8), 4); /* level high */
    assert_true(fdt_node_enabled(f, uart));
    assert_int_equal(fdt_find_compatible(f, uart, "arm,pl011"), -1);
}

static void qemu_gic(void **state)
{
    const struct fdt *f = *state;
    int gic = fdt_find_compatible(f, -1, "arm,gic-v3");
    assert_true(gic >= 0);
    assert_string_equal(fdt_node_name(f, gic), "intc@8000000");
    assert_reg(f, gic, 0, 0x08000000, 0x10000);  /* distributor */
    assert_reg(f, gic, 1, 0x080a0000, 0xf60000); /* redistributors */
    assert_false(fdt_reg(f, gic, 2, NULL, NULL));
    assert_true(fdt_prop(f, gic, "interrupt-controller", NULL) != NULL);
    u32 cells;
    assert_true(fdt_prop_u32(f, gic, "#interrupt-cells", &cells));
    assert_int_equal(cells, 3);
    /* interrupt-parent points at the GIC through its phandle. */
    u32 ph;
    assert_true(fdt_prop_u32(f, fdt_root(f), "interrupt-parent", &ph));
    assert_int_equal(fdt_find_phandle(f, ph), gic);
    int its = fdt_first_child(f, gic);
    assert_true(fdt_is_compatible(f, its, "arm,gic-v3-its"));
    assert_int_equal(fdt_parent(f, its), gic);
}

static void qemu_psci_chosen(void **state)
{
    const struct fdt *f = *state;
    int psci = node_at(f, "/psci");
    assert_string_equal(fdt_prop_string(f, psci, "method"), "smc");
    assert_true(fdt_is_compatible(f, psci, "arm,psci-0.2"));
    u32 cpu_on;
    assert_true(fdt_prop_u32(f, psci, "cpu_on", &cpu_on));
    assert_int_equal(cpu_on, 0xc4000003);
    int chosen = node_at(f, "/chosen");
    const char *out = fdt_prop_string(f, chosen, "stdout-path");
    assert_non_null(out);
    assert_int_equal(fdt_path_lookup(f, out), fdt_find_compatible(f, -1, "arm,pl011"));
    assert_int_equal(fdt_parent(f, chosen), fdt_root(f));
    assert_string_equal(fdt_node_name(f, fdt_root(f)), "");
    assert_int_equal(fdt_parent(f, fdt_root(f)), -1);
}

static void qemu_walk_and_paths(void **state)
{
    const struct fdt *f = *state;
    int root = fdt_root(f);
    int count = 0;
    char path[256], again[256];
    for (int n = root; n >= 0; n = fdt_next_node(f, n)) {
        count++;
        assert_int_equal(fdt_node_path(f, n, path, sizeof(path)), 0);
        assert_int_equal(fdt_path_lookup(f, path), n);
        assert_int_equal(fdt_node_path(f, fdt_path_lookup(f, path), again, sizeof(again)), 0);
        assert_string_equal(path, again);
        for (int c = fdt_first_child(f, n); c >= 0; c = fdt_next_sibling(f, c))
            assert_int_equal(fdt_parent(f, c), n);
    }
    assert_int_equal(count, count_recursive(f, root));
    assert_true(count > 50);
    int core1 = node_at(f, "/cpus/cpu-map/socket0/cluster0/core1");
    assert_int_equal(fdt_node_path(f, core1, path, sizeof(path)), 0);
    assert_string_equal(path, "/cpus/cpu-map/socket0/cluster0/core1");
    assert_int_equal(fdt_node_path(f, core1, path, 37), 0);
    assert_int_equal(fdt_node_path(f, core1, path, 36), -1); /* no room for the NUL */
    assert_string_equal(path, "");
    assert_int_equal(fdt_node_path(f, root, path, 2), 0);
    assert_string_equal(path, "/");
    assert_int_equal(fdt_node_path(f, root, path, 1), -1);
    assert_int_equal(fdt_path_lookup(f, "/"), root);
    assert_int_equal(fdt_path_lookup(f, "/nope"), -1);
    assert_int_equal(fdt_path_lookup(f, "cpus"), -1);
    assert_int_equal(fdt_path_lookup(f, ""), -1);
    assert_int_equal(fdt_path_lookup(f, NULL), -1);
    assert_int_equal(fdt_mem_rsv(f, 0, NULL, NULL), false);
}

/* Every structure offset (valid or not) fed to every accessor stays in bounds. */
static void qemu_bogus_offsets(void **state)
{
    const struct fdt *f = *state;
    for (int off = -8; off < (int)f->struct_size + 8; off++)
        poke_node(f, off);
}

/* ---- own fixtures ---- */

static void cells_variants(void **state)
{
    (void)state;
    struct blob b = load_fixture("cells.dtb");
    struct fdt f;
    assert_int_equal(fdt_open(&f, b.data, b.size), 0);
    /* 1/1 */
    int mem = node_at(&f, "/memory");
    assert_int_equal(fdt_address_cells(&f, mem), 1);
    assert_int_equal(fdt_size_cells(&f, mem), 1);
    assert_reg(&f, mem, 0, 0x80000000, 0x10000000);
    assert_reg(&f, mem, 1, 0xa0000000, 0x20000);
    assert_false(fdt_reg(&f, mem, 2, NULL, NULL));
    /* 2/2 */
    int dev = node_at(&f, "/bus/dev");
    assert_int_equal(fdt_address_cells(&f, dev), 2);
    assert_int_equal(fdt_size_cells(&f, dev), 2);
    assert_reg(&f, dev, 0, 0x100000000ull, 0x2000);
    assert_reg(&f, dev, 1, 0x200000000ull, 0x100000000ull);
    assert_reg(&f, node_at(&f, "/bus"), 0, 0x10000000, 0x1000);
    /* 2/1 nested inside 2/2 */
    int sub = node_at(&f, "/bus/sub@0");
    assert_reg(&f, sub, 0, 0, 0x100);
    int leaf = node_at(&f, "/bus/sub/leaf@300000000");
    assert_int_equal(fdt_address_cells(&f, leaf), 2);
    assert_int_equal(fdt_size_cells(&f, leaf), 1);
    assert_reg(&f, leaf, 0, 0x300000000ull, 0x8000);
    /* 1/0 */
    assert_reg(&f, node_at(&f, "/cpus/cpu"), 0, 3, 0);
    /* The root's own reg would use the defaults 2/1. */
    assert_int_equal(fdt_address_cells(&f, fdt_root(&f)), 2);
    assert_int_equal(fdt_size_cells(&f, fdt_root(&f)), 1);
    /* Memory reservations. */
    u64 a, s;
    assert_true(fdt_mem_rsv(&f, 0, &a, &s));
    assert_int_equal(a, 0x80000000);
    assert_int_equal(s, 0x10000);
    assert_true(fdt_mem_rsv(&f, 1, &a, &s));
    assert_int_equal(a, 0x100000000ull);
    assert_int_equal(s, 0x2000);
    assert_false(fdt_mem_rsv(&f, 2, &a, &s));
    free(b.data);
}

static void status_values(void **state)
{
    (void)state;
    struct blob b = load_fixture("cells.dtb");
    struct fdt f;
    assert_int_equal(fdt_open(&f, b.data, b.size), 0);
    assert_true(fdt_node_enabled(&f, node_at(&f, "/bus/dev")));                /* "okay" */
    assert_true(fdt_node_enabled(&f, node_at(&f, "/bus/sub/leaf@300000000"))); /* "ok" */
    assert_false(fdt_node_enabled(&f, node_at(&f, "/bus/sub/leaf")));          /* "disabled" */
    assert_false(fdt_node_enabled(&f, node_at(&f, "/uart")));                  /* "fail" */
    assert_true(fdt_node_enabled(&f, node_at(&f, "/memory")));                 /* absent */
    assert_false(fdt_node_enabled(&f, -1));
    /* find_compatible sees disabled nodes too: filtering is the caller's choice. */
    int l1 = fdt_find_compatible(&f, -1, "test,leaf");
    int l2 = fdt_find_compatible(&f, l1, "test,leaf");
    assert_true(l1 >= 0 && l2 > l1);
    assert_int_equal(fdt_find_compatible(&f, l2, "test,leaf"), -1);
    assert_int_equal(fdt_find_compatible(&f, -1, "test,base"), fdt_root(&f));
    free(b.data);
}

static void path_unit_address(void **state)
{
    (void)state;
    struct blob b = load_fixture("cells.dtb");
    struct fdt f;
    assert_int_equal(fdt_open(&f, b.data, b.size), 0);
    /* Exact name preferred even though node@1 comes first. */
    int exact = node_at(&f, "/node");
    assert_string_equal(fdt_node_name(&f, exact), "node");
    assert_non_null(fdt_prop(&f, exact, "exact", NULL));
    assert_string_equal(fdt_node_name(&f, node_at(&f, "/node@1")), "node@1");
    /* First unit-address match otherwise. */
    assert_string_equal(fdt_node_name(&f, node_at(&f, "/multi")), "multi@5");
    assert_string_equal(fdt_node_name(&f, node_at(&f, "/multi@6")), "multi@6");
    assert_int_equal(fdt_path_lookup(&f, "/multi@7"), -1);
    assert_int_equal(fdt_path_lookup(&f, "/mult"), -1);
    assert_int_equal(fdt_path_lookup(&f, "/multi@"), -1);
    /* Repeated and trailing slashes are tolerated. */
    assert_int_equal(fdt_path_lookup(&f, "//bus//sub/"), node_at(&f, "/bus@10000000/sub@0"));
    assert_int_equal(fdt_subnode(&f, fdt_root(&f), "cpusXYZ", 4), node_at(&f, "/cpus"));
    assert_int_equal(fdt_subnode(&f, fdt_root(&f), "", 0), -1);
    int pic = node_at(&f, "/pic");
    u32 ph;
    assert_true(fdt_prop_u32(&f, fdt_root(&f), "interrupt-parent", &ph));
    assert_int_equal(fdt_find_phandle(&f, ph), pic);
    assert_int_equal(fdt_find_phandle(&f, 0), -1);
    assert_int_equal(fdt_find_phandle(&f, 0xffffffff), -1);
    free(b.data);
}

static void props_iteration(void **state)
{
    (void)state;
    struct blob b = load_fixture("cells.dtb");
    struct fdt f;
    assert_int_equal(fdt_open(&f, b.data, b.size), 0);
    const char *want[] = {"#address-cells", "#size-cells", "compatible", "model", "interrupt-parent"};
    size_t i = 0;
    for (int p = fdt_first_prop(&f, fdt_root(&f)); p >= 0; p = fdt_next_prop(&f, p), i++) {
        const char *name;
        size_t len;
        assert_true(i < ARRAY_SIZE(want));
        assert_non_null(fdt_prop_at(&f, p, &name, &len));
        assert_string_equal(name, want[i]);
    }
    assert_int_equal(i, ARRAY_SIZE(want));
    size_t len;
    const char *compat = fdt_prop(&f, fdt_root(&f), "compatible", &len);
    assert_int_equal(len, sizeof("test,cells\0test,base"));
    assert_memory_equal(compat, "test,cells\0test,base", len);
    u64 v;
    assert_true(fdt_prop_u64(&f, fdt_root(&f), "#size-cells", &v));
    assert_int_equal(v, 1);
    assert_false(fdt_prop_u64(&f, node_at(&f, "/memory"), "reg", &v)); /* 16 bytes */
    u32 w;
    assert_false(fdt_prop_u32(&f, fdt_root(&f), "model", &w));
    assert_null(fdt_prop_string(&f, fdt_root(&f), "#size-cells"));                 /* not a string */
    assert_null(fdt_prop_string(&f, fdt_root(&f), "compatible"));                  /* two strings */
    assert_null(fdt_prop_string(&f, node_at(&f, "/pic"), "interrupt-controller")); /* empty */
    assert_non_null(fdt_prop(&f, node_at(&f, "/pic"), "interrupt-controller", &len));
    assert_int_equal(len, 0);
    assert_int_equal(fdt_first_prop(&f, node_at(&f, "/cpus/cpu@3")) >= 0, true);
    free(b.data);
}

static void version16(void **state)
{
    (void)state;
    struct blob b = load_fixture("cells-v16.dtb");
    struct fdt f;
    assert_int_equal(get32(b.data + FDT_HDR_VERSION), 16);
    assert_int_equal(fdt_open(&f, b.data, b.size), 0);
    assert_reg(&f, node_at(&f, "/bus/sub/leaf"), 0, 0x200000000ull, 0x4000);
    assert_int_equal(count_recursive(&f, fdt_root(&f)), 15);
    free(b.data);
}

static void tiny_tree(void **state)
{
    (void)state;
    struct blob b = load_fixture("tiny.dtb");
    struct fdt f;
    assert_int_equal(fdt_total_size(b.data), b.size);
    assert_int_equal(fdt_open(&f, b.data, b.size), 0);
    int root = fdt_root(&f);
    assert_true(root >= 0);
    assert_int_equal(fdt_first_child(&f, root), -1);
    assert_int_equal(fdt_first_prop(&f, root), -1);
    assert_int_equal(fdt_next_node(&f, root), -1);
    assert_int_equal(fdt_next_sibling(&f, root), -1);
    assert_int_equal(fdt_path_lookup(&f, "/"), root);
    /* A larger max_size is fine; a smaller one is not. */
    assert_int_equal(fdt_open(&f, b.data, b.size + 100), 0);
    assert_int_equal(fdt_open(&f, b.data, b.size - 1), -1);
    free(b.data);
}

/* ---- writer ---- */

static int build_sample(u8 *buf, size_t cap)
{
    struct fdt_writer w;
    static const u32 cells[] = {0, 0x09000000, 0, 0x1000};
    static const char *const compat[] = {"arm,pl011", "arm,primecell"};
    fdt_writer_init(&w, buf, cap);
    fdt_begin_node(&w, "");
    fdt_property_u32(&w, "#address-cells", 2);
    fdt_property_u32(&w, "#size-cells", 2);
    fdt_property_string(&w, "compatible", "linux,dummy-virt");
    fdt_begin_node(&w, "chosen");
    fdt_property_string(&w, "bootargs", "console=ttyAMA0");
    fdt_property_u64(&w, "linux,initrd-start", 0x48000000);
    fdt_end_node(&w);
    fdt_begin_node(&w, "memory@40000000");
    fdt_property_string(&w, "device_type", "memory");
    fdt_property_cells(&w, "reg", (const u32[]){0, 0x40000000, 0, 0x10000000}, 4);
    fdt_end_node(&w);
    fdt_begin_node(&w, "soc");
    fdt_property_u32(&w, "#address-cells", 2);
    fdt_property_u32(&w, "#size-cells", 2);
    fdt_property_empty(&w, "ranges");
    fdt_begin_node(&w, "pl011@9000000");
    fdt_property_strings(&w, "compatible", compat, 2);
    fdt_property_cells(&w, "reg", cells, 4);
    fdt_property_string(&w, "status", "disabled");
    fdt_property(&w, "raw", "\x01\x02\x03", 3);
    fdt_begin_node(&w, "deeper");
    fdt_property_empty(&w, "cells"); /* a suffix of #address-cells / #size-cells */
    fdt_end_node(&w);
    fdt_end_node(&w);
    fdt_end_node(&w);
    fdt_end_node(&w);
    return fdt_writer_finish(&w);
}

static void writer_round_trip(void **state)
{
    (void)state;
    u8 buf[2048];
    int n = build_sample(buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(fdt_total_size(buf), (size_t)n);
    assert_int_equal(get32(buf + FDT_HDR_VERSION), 17);
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    assert_int_equal(f.rsv_count, 0);
    /* Deduplicated: each name once, "cells" shared as a suffix. */
    const char names[] = "#address-cells\0#size-cells\0compatible\0bootargs\0"
                         "linux,initrd-start\0device_type\0reg\0ranges\0status\0raw";
    assert_int_equal(f.strings_size, sizeof(names));
    int root = fdt_root(&f);
    u32 v;
    assert_true(fdt_prop_u32(&f, root, "#address-cells", &v));
    assert_int_equal(v, 2);
    assert_string_equal(fdt_prop_string(&f, root, "compatible"), "linux,dummy-virt");
    int chosen = node_at(&f, "/chosen");
    assert_string_equal(fdt_prop_string(&f, chosen, "bootargs"), "console=ttyAMA0");
    u64 initrd;
    assert_true(fdt_prop_u64(&f, chosen, "linux,initrd-start", &initrd));
    assert_int_equal(initrd, 0x48000000);
    assert_reg(&f, node_at(&f, "/memory"), 0, 0x40000000, 0x10000000);
    int uart = node_at(&f, "/soc/pl011");
    assert_int_equal(fdt_find_compatible(&f, -1, "arm,primecell"), uart);
    assert_true(fdt_is_compatible(&f, uart, "arm,pl011"));
    assert_reg(&f, uart, 0, 0x09000000, 0x1000);
    assert_false(fdt_node_enabled(&f, uart));
    size_t len;
    assert_memory_equal(fdt_prop(&f, uart, "raw", &len), "\x01\x02\x03", 3);
    assert_int_equal(len, 3);
    assert_non_null(fdt_prop(&f, node_at(&f, "/soc"), "ranges", &len));
    assert_int_equal(len, 0);
    int deeper = node_at(&f, "/soc/pl011@9000000/deeper");
    assert_int_equal(fdt_parent(&f, deeper), uart);
    assert_non_null(fdt_prop(&f, deeper, "cells", NULL));
    assert_int_equal(count_recursive(&f, root), 6);
}

static void writer_dtc_accepts(void **state)
{
    (void)state;
    u8 buf[2048];
    int n = build_sample(buf, sizeof(buf));
    assert_true(n > 0);
    char path[] = "/tmp/test_fdt_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, (size_t)n), n);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts -o /dev/null %s", path);
    int rc = system(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
}

/* Copies the subtree at node through the writer. */
static void copy_tree(const struct fdt *f, int node, struct fdt_writer *w)
{
    fdt_begin_node(w, fdt_node_name(f, node));
    for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p)) {
        const char *name;
        size_t len;
        const void *data = fdt_prop_at(f, p, &name, &len);
        fdt_property(w, name, data, len);
    }
    for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c))
        copy_tree(f, c, w);
    fdt_end_node(w);
}

/* QEMU's tree rewritten by the writer reads back identically and passes dtc. */
static void writer_copies_qemu(void **state)
{
    const struct fdt *q = *state;
    size_t cap = 64 * 1024;
    u8 *buf = malloc(cap);
    struct fdt_writer w;
    fdt_writer_init(&w, buf, cap);
    copy_tree(q, fdt_root(q), &w);
    int n = fdt_writer_finish(&w);
    assert_true(n > 0);
    assert_true((size_t)n < q->size);
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    int a = fdt_root(q), b = fdt_root(&f);
    char pa[256], pb[256];
    for (; a >= 0; a = fdt_next_node(q, a), b = fdt_next_node(&f, b)) {
        assert_true(b >= 0);
        assert_int_equal(fdt_node_path(q, a, pa, sizeof(pa)), 0);
        assert_int_equal(fdt_node_path(&f, b, pb, sizeof(pb)), 0);
        assert_string_equal(pa, pb);
        int pq = fdt_first_prop(q, a), pf = fdt_first_prop(&f, b);
        for (; pq >= 0; pq = fdt_next_prop(q, pq), pf = fdt_next_prop(&f, pf)) {
            const char *na, *nb;
            size_t la, lb;
            const void *da = fdt_prop_at(q, pq, &na, &la);
            const void *db = fdt_prop_at(&f, pf, &nb, &lb);
            assert_non_null(db);
            assert_string_equal(na, nb);
            assert_int_equal(la, lb);
            assert_memory_equal(da, db, la);
        }
        assert_int_equal(pf, -1);
    }
    assert_int_equal(b, -1);
    char path[] = "/tmp/test_fdt_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, (size_t)n), n);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dtb -o /dev/null %s", path);
    int rc = system(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
    free(buf);
}

/* Every capacity below the needed size fails cleanly without touching bytes past cap. */
static void writer_overflow(void **state)
{
    (void)state;
    u8 ref[2048];
    int need = build_sample(ref, sizeof(ref));
    assert_true(need > 0);
    for (size_t cap = 0; cap <= (size_t)need; cap++) {
        u8 *buf = malloc(cap + 64);
        memset(buf, 0xa5, cap + 64);
        int n = build_sample(buf, cap);
        if (cap < (size_t)need) {
            assert_int_equal(n, -1);
        } else {
            assert_int_equal(n, need);
            assert_memory_equal(buf, ref, (size_t)need);
        }
        for (size_t i = cap; i < cap + 64; i++)
            assert_int_equal(buf[i], 0xa5);
        free(buf);
    }
    struct fdt_writer w;
    u8 small[64];
    fdt_writer_init(&w, small, sizeof(small));
    fdt_begin_node(&w, "");
    fdt_property(&w, "big", small, (size_t)-1);
    assert_true(w.overflow);
    fdt_end_node(&w);
    assert_int_equal(fdt_writer_finish(&w), -1);
    fdt_writer_init(&w, small, sizeof(small));
    fdt_begin_node(&w, "");
    fdt_property_cells(&w, "big", (const u32 *)small, (size_t)-1 / 2);
    assert_true(w.overflow);
    fdt_writer_init(&w, NULL, 4096);
    fdt_begin_node(&w, "");
    fdt_end_node(&w);
    assert_int_equal(fdt_writer_finish(&w), -1);
}

static void writer_misuse(void **state)
{
    (void)state;
    u8 buf[512];
    struct fdt_writer w;
    /* unbalanced */
    fdt_writer_init(&w, buf, sizeof(buf));
    fdt_begin_node(&w, "");
    fdt_begin_node(&w, "a");
    fdt_end_node(&w);
    assert_int_equal(fdt_writer_finish(&w), -1);
    /* extra end */
    fdt_writer_init(&w, buf, sizeof(buf));
    fdt_begin_node(&w, "");
    fdt_end_node(&w);
    fdt_end_node(&w);
    assert_int_equal(fdt_writer_finish(&w), -1);
    /* nothing written */
    fdt_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(fdt_writer_finish(&w), -1);
    /* property after a child node */
    fdt_writer_init(&w, buf, sizeof(buf));
    fdt_begin_node(&w, "");
    fdt_begin_node(&w, "a");
    fdt_end_node(&w);
    fdt_property_u32(&w, "late", 1);
    fdt_end_node(&w);
    assert_true(w.error);
    assert_int_equal(fdt_writer_finish(&w), -1);
    /* second root, named root, bad child names, property outside nodes */
    const char *bad_child[] = {"", "a/b"};
    for (size_t i = 0; i < ARRAY_SIZE(bad_child); i++) {
        fdt_writer_init(&w, buf, sizeof(buf));
        fdt_begin_node(&w, "");
        fdt_begin_node(&w, bad_child[i]);
        assert_true(w.error);
    }
    fdt_writer_init(&w, buf, sizeof(buf));
    fdt_begin_node(&w, "root");
    assert_true(w.error);
    fdt_writer_init(&w, buf, sizeof(buf));
    fdt_begin_node(&w, "");
    fdt_end_node(&w);
    fdt_begin_node(&w, "");
    assert_true(w.error);
    fdt_writer_init(&w, buf, sizeof(buf));
    fdt_property_u32(&w, "x", 1);
    assert_true(w.error);
    fdt_writer_init(&w, buf, sizeof(buf));
    fdt_begin_node(&w, "");
    fdt_property_u32(&w, "", 1);
    assert_true(w.error);
    /* depth limit matches the reader's */
    static u8 deep[8192];
    fdt_writer_init(&w, deep, sizeof(deep));
    fdt_begin_node(&w, "");
    for (int i = 1; i < FDT_MAX_DEPTH; i++)
        fdt_begin_node(&w, "n");
    assert_false(w.error);
    for (int i = 0; i < FDT_MAX_DEPTH; i++)
        fdt_end_node(&w);
    int n = fdt_writer_finish(&w);
    assert_true(n > 0);
    struct fdt f;
    assert_int_equal(fdt_open(&f, deep, (size_t)n), 0);
    fdt_writer_init(&w, deep, sizeof(deep));
    fdt_begin_node(&w, "");
    for (int i = 0; i < FDT_MAX_DEPTH; i++)
        fdt_begin_node(&w, "n");
    assert_true(w.error);
}

/* ---- malformed input ---- */

/* Hand-assembles a v17 blob around a raw structure block, for inputs the writer refuses. */
struct raw {
    u8 st[256];
    size_t len;
};

static void raw_word(struct raw *r, u32 v)
{
    put32(r->st + r->len, v);
    r->len += 4;
}

static void raw_name(struct raw *r, const char *name)
{
    size_t n = strlen(name) + 1;
    memset(r->st + r->len, 0, ALIGN_UP(n, 4));
    memcpy(r->st + r->len, name, n);
    r->len += ALIGN_UP(n, 4);
}

static void raw_prop(struct raw *r, u32 nameoff, u32 len)
{
    raw_word(r, FDT_PROP);
    raw_word(r, len);
    raw_word(r, nameoff);
    memset(r->st + r->len, 0x11, ALIGN_UP(len, 4));
    r->len += ALIGN_UP(len, 4);
}

#define RAW_STRINGS "reg\0compatible"

/* Blob layout: header, empty reservation block, structure, strings "reg\0compatible\0". */
static size_t raw_blob(const struct raw *r, u8 *out)
{
    size_t st = 56, strs = st + r->len, total = strs + sizeof(RAW_STRINGS);
    memset(out, 0, total);
    put32(out + FDT_HDR_MAGIC, FDT_MAGIC);
    put32(out + FDT_HDR_TOTALSIZE, (u32)total);
    put32(out + FDT_HDR_OFF_STRUCT, (u32)st);
    put32(out + FDT_HDR_OFF_STRINGS, (u32)strs);
    put32(out + FDT_HDR_OFF_RSVMAP, 40);
    put32(out + FDT_HDR_VERSION, 17);
    put32(out + FDT_HDR_LAST_COMP, 16);
    put32(out + FDT_HDR_SIZE_STRINGS, sizeof(RAW_STRINGS));
    put32(out + FDT_HDR_SIZE_STRUCT, (u32)r->len);
    memcpy(out + st, r->st, r->len);
    memcpy(out + strs, RAW_STRINGS, sizeof(RAW_STRINGS));
    return total;
}

/* Opens the raw structure r in a buffer of exactly its size, so ASan sees any overread. */
static int raw_open(const struct raw *r)
{
    u8 tmp[512];
    size_t n = raw_blob(r, tmp);
    u8 *b = malloc(n);
    memcpy(b, tmp, n);
    struct fdt f;
    int rc = fdt_open(&f, b, n);
    if (rc == 0)
        walk_all(&f);
    free(b);
    return rc;
}

/* A well-formed structure: / { reg; a { compatible; }; }. */
static void raw_good(struct raw *r)
{
    r->len = 0;
    raw_word(r, FDT_BEGIN_NODE);
    raw_name(r, "");
    raw_prop(r, 0, 8);
    raw_word(r, FDT_NOP);
    raw_word(r, FDT_BEGIN_NODE);
    raw_name(r, "a");
    raw_prop(r, 4, 5);
    raw_word(r, FDT_END_NODE);
    raw_word(r, FDT_END_NODE);
    raw_word(r, FDT_END);
}

static void malformed_structure(void **state)
{
    (void)state;
    struct raw r;
    raw_good(&r);
    assert_int_equal(raw_open(&r), 0);

    /* Each case edits the good structure (word offsets: 0 BEGIN, 4 name, 8 PROP, 12 len,
     * 16 nameoff, 20..27 value, 28 NOP, 32 BEGIN, 36 "a", 40 PROP, 44 len, 48 nameoff,
     * 52..59 value, 60 END_NODE, 64 END_NODE, 68 END). */
    struct {
        const char *what;
        size_t at;
        u32 word;
    } cases[] = {
        {"unknown token", 28, 5},
        {"END too early", 28, FDT_END},
        {"unbalanced: END_NODE missing", 64, FDT_NOP},
        {"unbalanced: extra END_NODE", 28, FDT_END_NODE},
        {"missing END", 68, FDT_NOP},
        {"nameoff past strings", 16, sizeof(RAW_STRINGS)},
        {"nameoff huge", 16, 0xfffffff0u},
        {"prop len past block", 12, 1000},
        {"prop len huge", 12, 0xfffffffcu},
        {"prop len to end", 44, 20},
        {"root with a name", 4, 0x2f000000},
        {"child with an empty name", 36, 0},
        {"child name with a slash", 36, 0x612f6200},
        {"prop before root", 0, FDT_PROP},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        raw_good(&r);
        put32(r.st + cases[i].at, cases[i].word);
        if (raw_open(&r) != -1)
            fail_msg("accepted: %s", cases[i].what);
    }

    /* Unterminated name at the very end of the block. */
    r.len = 0;
    raw_word(&r, FDT_BEGIN_NODE);
    raw_word(&r, 0x61626364);
    assert_int_equal(raw_open(&r), -1);
    /* Property after a child node: / { a { }; reg; }. */
    r.len = 0;
    raw_word(&r, FDT_BEGIN_NODE);
    raw_name(&r, "");
    raw_word(&r, FDT_BEGIN_NODE);
    raw_name(&r, "a");
    raw_word(&r, FDT_END_NODE);
    raw_prop(&r, 0, 4);
    raw_word(&r, FDT_END_NODE);
    raw_word(&r, FDT_END);
    assert_int_equal(raw_open(&r), -1);
    /* Two roots. */
    r.len = 0;
    for (int i = 0; i < 2; i++) {
        raw_word(&r, FDT_BEGIN_NODE);
        raw_name(&r, "");
        raw_word(&r, FDT_END_NODE);
    }
    raw_word(&r, FDT_END);
    assert_int_equal(raw_open(&r), -1);
    /* No root at all. */
    r.len = 0;
    raw_word(&r, FDT_NOP);
    raw_word(&r, FDT_END);
    assert_int_equal(raw_open(&r), -1);
    /* Unterminated property name: nameoff at the last string with its NUL cut off. */
    {
        raw_good(&r);
        u8 tmp[512];
        size_t n = raw_blob(&r, tmp);
        put32(tmp + FDT_HDR_SIZE_STRINGS, sizeof(RAW_STRINGS) - 1);
        struct fdt f;
        assert_int_equal(fdt_open(&f, tmp, n), -1);
    }
    /* Depth: FDT_MAX_DEPTH nests are fine, one more is not. */
    for (int extra = 0; extra < 2; extra++) {
        static u8 st[4096];
        size_t len = 0;
        int levels = FDT_MAX_DEPTH + extra;
        for (int i = 0; i < levels; i++, len += 8) {
            put32(st + len, FDT_BEGIN_NODE);
            put32(st + len + 4, i ? 0x6e000000 : 0); /* "n" */
        }
        for (int i = 0; i < levels; i++, len += 4)
            put32(st + len, FDT_END_NODE);
        put32(st + len, FDT_END);
        len += 4;
        static u8 blob[4096 + 128];
        memset(blob, 0, 56);
        put32(blob + FDT_HDR_MAGIC, FDT_MAGIC);
        put32(blob + FDT_HDR_TOTALSIZE, (u32)(56 + len));
        put32(blob + FDT_HDR_OFF_STRUCT, 56);
        put32(blob + FDT_HDR_OFF_STRINGS, (u32)(56 + len));
        put32(blob + FDT_HDR_OFF_RSVMAP, 40);
        put32(blob + FDT_HDR_VERSION, 17);
        put32(blob + FDT_HDR_LAST_COMP, 16);
        put32(blob + FDT_HDR_SIZE_STRUCT, (u32)len);
        memcpy(blob + 56, st, len);
        struct fdt f;
        assert_int_equal(fdt_open(&f, blob, 56 + len), extra ? -1 : 0);
    }
}

static void malformed_header(void **state)
{
    (void)state;
    struct raw r;
    raw_good(&r);
    u8 good[512];
    size_t n = raw_blob(&r, good);
    struct {
        const char *what;
        size_t field;
        u32 value;
    } cases[] = {
        {"bad magic", FDT_HDR_MAGIC, 0xedfe0dd0},
        {"totalsize > max", FDT_HDR_TOTALSIZE, (u32)n + 1},
        {"totalsize < header", FDT_HDR_TOTALSIZE, 32},
        {"version 15", FDT_HDR_VERSION, 15},
        {"last_comp 18", FDT_HDR_LAST_COMP, 18},
        {"struct offset past end", FDT_HDR_OFF_STRUCT, (u32)n},
        {"struct offset in header", FDT_HDR_OFF_STRUCT, 16},
        {"struct offset unaligned", FDT_HDR_OFF_STRUCT, 58},
        {"struct offset wraps", FDT_HDR_OFF_STRUCT, 0xfffffffcu},
        {"struct size past end", FDT_HDR_SIZE_STRUCT, (u32)n},
        {"struct size wraps", FDT_HDR_SIZE_STRUCT, 0xffffffffu},
        {"strings offset past end", FDT_HDR_OFF_STRINGS, (u32)n + 4},
        {"strings offset wraps", FDT_HDR_OFF_STRINGS, 0xffffff00u},
        {"strings size past end", FDT_HDR_SIZE_STRINGS, 1000},
        {"strings overlap struct", FDT_HDR_OFF_STRINGS, 60},
        {"rsvmap unaligned", FDT_HDR_OFF_RSVMAP, 44},
        {"rsvmap in header", FDT_HDR_OFF_RSVMAP, 0},
        {"rsvmap past end", FDT_HDR_OFF_RSVMAP, 0x7ffffff8u},
        {"rsvmap runs into struct", FDT_HDR_OFF_RSVMAP, 48},
    };
    struct fdt f;
    assert_int_equal(fdt_open(&f, good, n), 0);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        u8 *b = malloc(n);
        memcpy(b, good, n);
        put32(b + cases[i].field, cases[i].value);
        if (fdt_open(&f, b, n) != -1)
            fail_msg("accepted: %s", cases[i].what);
        assert_null(f.blob);
        assert_int_equal(fdt_root(&f), -1);
        free(b);
    }
    /* The reservation block must be 8-byte aligned: move the structure block to 64 and the
     * terminator to 48 (accepted) or 44 (refused). */
    for (u32 rsv = 44; rsv <= 48; rsv += 4) {
        u8 *m = calloc(1, n + 8);
        memcpy(m, good, 40);
        memcpy(m + 64, good + 56, n - 56);
        put32(m + FDT_HDR_TOTALSIZE, (u32)n + 8);
        put32(m + FDT_HDR_OFF_STRUCT, 64);
        put32(m + FDT_HDR_OFF_STRINGS, get32(good + FDT_HDR_OFF_STRINGS) + 8);
        put32(m + FDT_HDR_OFF_RSVMAP, rsv);
        assert_int_equal(fdt_open(&f, m, n + 8), rsv == 48 ? 0 : -1);
        free(m);
    }
    /* Reservation entries without a terminator before the end of the blob. */
    u8 *b = malloc(n);
    memcpy(b, good, n);
    put32(b + 40, 1);
    assert_int_equal(fdt_open(&f, b, n), -1);
    free(b);
    assert_int_equal(fdt_open(&f, NULL, 100), -1);
    assert_int_equal(fdt_open(&f, good, 0), -1);
    assert_int_equal(fdt_total_size(NULL), 0);
    good[0] = 0;
    assert_int_equal(fdt_total_size(good), 0);
}

/* Every prefix of a valid blob, with the header left as is (claims more than is there) and
 * with totalsize patched to the prefix length, in an exact-size allocation. */
static void truncate_blob(const u8 *blob, size_t size, size_t step)
{
    for (size_t len = 0; len < size; len += step) {
        u8 *b = malloc(len ? len : 1);
        memcpy(b, blob, len);
        struct fdt f;
        assert_int_equal(fdt_open(&f, b, len), -1);
        if (len >= 8) {
            put32(b + FDT_HDR_TOTALSIZE, (u32)len);
            if (fdt_open(&f, b, len) == 0)
                walk_all(&f);
        }
        free(b);
    }
}

static void malformed_truncated(void **state)
{
    (void)state;
    const char *names[] = {"cells.dtb", "cells-v16.dtb", "tiny.dtb"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        struct blob b = load_fixture(names[i]);
        truncate_blob(b.data, b.size, 1);
        free(b.data);
    }
    u8 buf[2048];
    int n = build_sample(buf, sizeof(buf));
    truncate_blob(buf, (size_t)n, 1);
}

/* Single-byte corruptions of a small valid blob: each either fails to open or walks safely. */
static void malformed_bitflips(void **state)
{
    (void)state;
    struct blob b = load_fixture("cells.dtb");
    u8 *copy = malloc(b.size);
    for (size_t i = 0; i < b.size; i++) {
        static const u8 xors[] = {0x01, 0x80, 0xff};
        for (size_t k = 0; k < ARRAY_SIZE(xors); k++) {
            memcpy(copy, b.data, b.size);
            copy[i] ^= xors[k];
            struct fdt f;
            if (fdt_open(&f, copy, b.size) == 0)
                walk_all(&f);
        }
    }
    free(copy);
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest qemu[] = {
        cmocka_unit_test(qemu_memory),        cmocka_unit_test(qemu_cpus),
        cmocka_unit_test(qemu_pl011),         cmocka_unit_test(qemu_gic),
        cmocka_unit_test(qemu_psci_chosen),   cmocka_unit_test(qemu_walk_and_paths),
        cmocka_unit_test(qemu_bogus_offsets), cmocka_unit_test(writer_copies_qemu),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cells_variants),      cmocka_unit_test(status_values),
        cmocka_unit_test(path_unit_address),   cmocka_unit_test(props_iteration),
        cmocka_unit_test(version16),           cmocka_unit_test(tiny_tree),
        cmocka_unit_test(writer_round_trip),   cmocka_unit_test(writer_dtc_accepts),
        cmocka_unit_test(writer_overflow),     cmocka_unit_test(writer_misuse),
        cmocka_unit_test(malformed_structure), cmocka_unit_test(malformed_header),
        cmocka_unit_test(malformed_truncated), cmocka_unit_test(malformed_bitflips),
    };
    int failed = cmocka_run_group_tests_name("fdt_qemu", qemu, qemu_setup, qemu_teardown);
    failed += cmocka_run_group_tests_name("fdt", tests, NULL, NULL);
    return failed;
}
