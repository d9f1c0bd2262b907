/* Tests for device passthrough by device-tree path (lib/src/fdt_pt.c). Trees are built with the
 * FDT writer: one shaped like QEMU's virt machine, one full of awkward and malformed cases.
 * QEMU's own virt DTB (dumped at build time by tests/unit/lib/fdt.mk) is used as well. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>

#include <lib/fdt.h>
#include <lib/fdt_pt.h>
#include <base/irq.h> /* irq_fdt_xlate: the GIC binding, base/drivers/gic_fdt.c */
#include <lib/string.h>
#include <lib/types.h>

#ifndef FDT_FIXTURE_DIR
#define FDT_FIXTURE_DIR "build/host/fdt"
#endif

#define CELLS(w, name, ...)                                                                                  \
    fdt_property_cells(w, name, (const u32[]){__VA_ARGS__}, sizeof((const u32[]){__VA_ARGS__}) / sizeof(u32))

#define GIC_PHANDLE 1
#define GPIO_PHANDLE 2

/* ---- results ---- */

#define MAX_SEEN 64

struct seen {
    int n;
    int stop_at; /* 1-based call that returns stop_rc; 0: never stop */
    int stop_rc;
    struct fdt_pt_device dev[MAX_SEEN];
};

static int record(const struct fdt_pt_device *dev, void *arg)
{
    struct seen *s = arg;
    assert_true(s->n < MAX_SEEN);
    s->dev[s->n++] = *dev;
    return s->n == s->stop_at ? s->stop_rc : 0;
}

static const struct fdt_pt_device *find(const struct seen *s, const char *path)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->dev[i].path, path) == 0)
            return &s->dev[i];
    return NULL;
}

static const struct fdt_pt_device *get(const struct seen *s, const char *path)
{
    const struct fdt_pt_device *d = find(s, path);
    if (!d)
        fail_msg("device %s not reported", path);
    return d;
}

/* Runs fdt_pt_collect into s and checks that the return value is the number of calls. */
static int collect(const struct fdt *f, const char *const *inc, size_t ninc, const char *const *exc,
                   size_t nexc, struct seen *s)
{
    const char *bad = "unset";
    memset(s, 0, sizeof(*s));
    int n = fdt_pt_collect(f, inc, ninc, exc, nexc, irq_fdt_xlate, record, s, &bad);
    assert_int_equal(n, s->n);
    assert_null(bad);
    return n;
}

static void assert_paths(const struct seen *s, const char *const *want, int n)
{
    for (int i = 0; i < n && i < s->n; i++)
        assert_string_equal(s->dev[i].path, want[i]);
    assert_int_equal(s->n, n);
}

static void assert_reg(const struct fdt_pt_device *d, u32 i, u64 base, u64 size)
{
    assert_true(i < d->reg_count);
    assert_int_equal(d->reg_base[i], base);
    assert_int_equal(d->reg_size[i], size);
}

static void assert_spi(const struct fdt_pt_device *d, u32 i, u32 intid, bool edge)
{
    assert_true(i < d->irq_count);
    assert_int_equal(d->irq[i], intid);
    assert_int_equal(d->irq_edge[i], edge);
}

/* ---- a tree shaped like QEMU virt ---- */

static u8 virt_buf[8192];
static struct fdt virt;

static int build_virt(u8 *buf, size_t cap)
{
    struct fdt_writer wr, *w = &wr;
    fdt_writer_init(w, buf, cap);
    fdt_begin_node(w, "");
    fdt_property_u32(w, "#address-cells", 2);
    fdt_property_u32(w, "#size-cells", 2);
    fdt_property_u32(w, "interrupt-parent", GIC_PHANDLE);
    fdt_property_string(w, "compatible", "linux,dummy-virt");

    fdt_begin_node(w, "psci");
    fdt_property_string(w, "compatible", "arm,psci-1.0");
    fdt_end_node(w);

    fdt_begin_node(w, "memory@40000000");
    fdt_property_string(w, "device_type", "memory");
    CELLS(w, "reg", 0, 0x40000000, 0, 0x80000000);
    fdt_end_node(w);

    fdt_begin_node(w, "reserved-memory");
    fdt_property_u32(w, "#address-cells", 2);
    fdt_property_u32(w, "#size-cells", 2);
    fdt_property_empty(w, "ranges");
    fdt_begin_node(w, "fb@50000000");
    CELLS(w, "reg", 0, 0x50000000, 0, 0x100000);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "intc@8000000");
    fdt_property_u32(w, "phandle", GIC_PHANDLE);
    fdt_property_string(w, "compatible", "arm,cortex-a15-gic");
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", 3);
    CELLS(w, "reg", 0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000);
    CELLS(w, "interrupts", 1, 9, 4);
    fdt_property_u32(w, "#address-cells", 2);
    fdt_property_u32(w, "#size-cells", 2);
    fdt_property_empty(w, "ranges");
    fdt_begin_node(w, "v2m@8020000"); /* part of the GIC: never passed through */
    fdt_property_string(w, "compatible", "arm,gic-v2m-frame");
    fdt_property_empty(w, "msi-controller");
    CELLS(w, "reg", 0, 0x08020000, 0, 0x1000);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "pl011@9000000");
    fdt_property_string(w, "compatible", "arm,pl011");
    CELLS(w, "reg", 0, 0x09000000, 0, 0x1000);
    CELLS(w, "interrupts", 0, 1, 4);
    fdt_end_node(w);

    fdt_begin_node(w, "pl031@9010000");
    fdt_property_string(w, "compatible", "arm,pl031");
    CELLS(w, "reg", 0, 0x09010000, 0, 0x1000);
    CELLS(w, "interrupts", 0, 2, 4);
    fdt_end_node(w);

    fdt_begin_node(w, "virtio_mmio@a000000");
    CELLS(w, "reg", 0, 0x0a000000, 0, 0x200);
    CELLS(w, "interrupts", 0, 16, 1);
    fdt_end_node(w);
    fdt_begin_node(w, "virtio_mmio@a000200");
    CELLS(w, "reg", 0, 0x0a000200, 0, 0x200);
    CELLS(w, "interrupts", 0, 17, 1);
    fdt_end_node(w);

    fdt_begin_node(w, "pcie@10000000");
    fdt_property_string(w, "device_type", "pci");
    fdt_property_u32(w, "#address-cells", 3);
    fdt_property_u32(w, "#size-cells", 2);
    CELLS(w, "reg", 0x40, 0x10000000, 0, 0x10000000, 0, 0x3eff0000, 0, 0x10000, 0, 0x10000000, 0, 0x2eff0000);
    fdt_end_node(w);

    fdt_begin_node(w, "timer");
    fdt_property_string(w, "compatible", "arm,armv8-timer");
    CELLS(w, "interrupts", 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4);
    fdt_end_node(w);

    fdt_begin_node(w, "cpus");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 0);
    fdt_begin_node(w, "cpu@0");
    fdt_property_string(w, "device_type", "cpu");
    CELLS(w, "reg", 0);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "chosen");
    fdt_property_string(w, "stdout-path", "/pl011@9000000");
    fdt_end_node(w);

    fdt_begin_node(w, "aliases");
    fdt_property_string(w, "serial0", "/pl011@9000000");
    fdt_end_node(w);

    fdt_begin_node(w, "gpio@9030000");
    fdt_property_string(w, "status", "disabled");
    CELLS(w, "reg", 0, 0x09030000, 0, 0x1000);
    CELLS(w, "interrupts", 0, 7, 4);
    fdt_begin_node(w, "child@0"); /* below a disabled node: not a device either */
    CELLS(w, "reg", 0, 0x09031000, 0, 0x100);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "soc");
    fdt_property_string(w, "compatible", "simple-bus");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 1);
    CELLS(w, "ranges", 0x0, 0x0, 0x20000000, 0x100000);
    fdt_begin_node(w, "uart@1000");
    CELLS(w, "reg", 0x1000, 0x100);
    CELLS(w, "interrupts", 0, 5, 4);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_end_node(w);
    return fdt_writer_finish(w);
}

static const char *const virt_devices[] = {
    "/pl011@9000000",       "/pl031@9010000", "/virtio_mmio@a000000",
    "/virtio_mmio@a000200", "/pcie@10000000", "/soc/uart@1000",
};

static const char *const root_only[] = {"/"};

static void virt_all(void **state)
{
    (void)state;
    struct seen s;
    collect(&virt, root_only, 1, NULL, 0, &s);
    assert_paths(&s, virt_devices, ARRAY_SIZE(virt_devices));
    /* Document order, and nothing from memory, reserved memory, the GIC (nor its v2m frame),
     * the CPUs, the disabled node and its child, or nodes without reg. */
    for (int i = 0; i < s.n; i++)
        assert_int_equal(s.dev[i].node, fdt_path_lookup(&virt, s.dev[i].path));
    assert_null(find(&s, "/intc@8000000"));
    assert_null(find(&s, "/intc@8000000/v2m@8020000"));
    assert_null(find(&s, "/memory@40000000"));
    assert_null(find(&s, "/cpus/cpu@0"));
    assert_null(find(&s, "/gpio@9030000"));
    assert_null(find(&s, "/timer"));
    /* NULL callback: just the count. */
    assert_int_equal(fdt_pt_collect(&virt, root_only, 1, NULL, 0, irq_fdt_xlate, NULL, NULL, NULL),
                     ARRAY_SIZE(virt_devices));
}

static void virt_regs_and_spis(void **state)
{
    (void)state;
    struct seen s;
    collect(&virt, root_only, 1, NULL, 0, &s);
    const struct fdt_pt_device *d = get(&s, "/pl011@9000000");
    assert_int_equal(d->reg_count, 1);
    assert_reg(d, 0, 0x09000000, 0x1000);
    assert_int_equal(d->irq_count, 1);
    assert_spi(d, 0, 33, false);
    assert_false(d->truncated);
    d = get(&s, "/pl031@9010000");
    assert_spi(d, 0, 34, false);
    d = get(&s, "/virtio_mmio@a000000");
    assert_reg(d, 0, 0x0a000000, 0x200);
    assert_int_equal(d->irq_count, 1);
    assert_spi(d, 0, 48, true);
    d = get(&s, "/virtio_mmio@a000200");
    assert_spi(d, 0, 49, true);
    d = get(&s, "/pcie@10000000");
    assert_int_equal(d->reg_count, 3);
    assert_reg(d, 0, 0x4010000000ull, 0x10000000);
    assert_reg(d, 1, 0x3eff0000, 0x10000);
    assert_reg(d, 2, 0x10000000, 0x2eff0000);
    assert_int_equal(d->irq_count, 0);
    d = get(&s, "/soc/uart@1000"); /* through the bus's ranges */
    assert_int_equal(d->reg_count, 1);
    assert_reg(d, 0, 0x20001000, 0x100);
    assert_spi(d, 0, 37, false);
}

static void virt_exclude(void **state)
{
    (void)state;
    struct seen s;
    const char *const pcie[] = {"/pcie@10000000"};
    collect(&virt, root_only, 1, pcie, 1, &s);
    const char *const want[] = {"/pl011@9000000", "/pl031@9010000", "/virtio_mmio@a000000",
                                "/virtio_mmio@a000200", "/soc/uart@1000"};
    assert_paths(&s, want, ARRAY_SIZE(want));
    /* Excluding a bus excludes what lies under it; exclusion beats an inner include. */
    const char *const soc[] = {"/soc", "/pl011@9000000/"};
    const char *const inc[] = {"/", "/soc/uart@1000"};
    collect(&virt, inc, 2, soc, 2, &s);
    const char *const want2[] = {"/pl031@9010000", "/virtio_mmio@a000000", "/virtio_mmio@a000200",
                                 "/pcie@10000000"};
    assert_paths(&s, want2, ARRAY_SIZE(want2));
    /* Excluding the root leaves nothing. */
    assert_int_equal(collect(&virt, root_only, 1, root_only, 1, &s), 0);
}

static void virt_single(void **state)
{
    (void)state;
    struct seen s;
    const char *const one[] = {"/pl011@9000000"};
    collect(&virt, one, 1, NULL, 0, &s);
    assert_paths(&s, one, 1);
    /* Without the unit address, as fdt_path_lookup allows. */
    const char *const loose[] = {"/pl011"};
    collect(&virt, loose, 1, NULL, 0, &s);
    assert_paths(&s, one, 1);
    /* A bus selects its children; overlapping includes report each device once, in document
     * order whatever the list order. */
    const char *const two[] = {"/soc", "/virtio_mmio@a000200", "/soc/uart@1000", "/virtio_mmio@a000200"};
    collect(&virt, two, ARRAY_SIZE(two), NULL, 0, &s);
    const char *const want[] = {"/virtio_mmio@a000200", "/soc/uart@1000"};
    assert_paths(&s, want, 2);
    const char *const all[] = {"/pl031@9010000", "/"};
    collect(&virt, all, 2, NULL, 0, &s);
    assert_paths(&s, virt_devices, ARRAY_SIZE(virt_devices));
    /* Existing but not devices: no error, nothing reported. */
    const char *const nondev[] = {"/cpus", "/intc@8000000", "/memory", "/timer", "/gpio@9030000/child@0"};
    assert_int_equal(collect(&virt, nondev, ARRAY_SIZE(nondev), NULL, 0, &s), 0);
    assert_int_equal(collect(&virt, NULL, 0, NULL, 0, &s), 0);
}

static void virt_bad_include(void **state)
{
    (void)state;
    struct seen s;
    const char *const bad_paths[] = {"/nonexistent",     "/pl0", "/pl011@9000000x", "pl011@9000000",
                                     "/soc/uart@1000/x", "",     "/pl011@90"};
    for (size_t i = 0; i < ARRAY_SIZE(bad_paths); i++) {
        const char *const inc[] = {"/", bad_paths[i], "/pl011@9000000"};
        const char *bad = NULL;
        memset(&s, 0, sizeof(s));
        assert_int_equal(fdt_pt_collect(&virt, inc, 3, NULL, 0, irq_fdt_xlate, record, &s, &bad), -1);
        assert_ptr_equal(bad, inc[1]);
        assert_int_equal(s.n, 0); /* checked before anything is visited */
    }
    /* A NULL bad_path is allowed; so is a NULL entry, reported as the bad path. */
    const char *const missing[] = {"/nope"};
    assert_int_equal(fdt_pt_collect(&virt, missing, 1, NULL, 0, irq_fdt_xlate, NULL, NULL, NULL), -1);
    const char *const null_entry[] = {NULL};
    const char *bad = "unset";
    assert_int_equal(fdt_pt_collect(&virt, null_entry, 1, NULL, 0, irq_fdt_xlate, NULL, NULL, &bad), -1);
    assert_null(bad);
    /* Misuse. */
    assert_int_equal(fdt_pt_collect(NULL, root_only, 1, NULL, 0, irq_fdt_xlate, NULL, NULL, &bad), -1);
    assert_int_equal(fdt_pt_collect(&virt, NULL, 1, NULL, 0, irq_fdt_xlate, NULL, NULL, &bad), -1);
    assert_int_equal(fdt_pt_collect(&virt, root_only, 1, NULL, 1, irq_fdt_xlate, NULL, NULL, &bad), -1);
    assert_null(bad);
}

static void virt_missing_exclude(void **state)
{
    (void)state;
    struct seen s;
    const char *const exc[] = {"/nonexistent", "/pcie", "/pl0", "bogus", "", NULL};
    /* "/pcie" names pcie@10000000 (no unit address needed); "/pl0" is no prefix match. */
    collect(&virt, root_only, 1, exc, ARRAY_SIZE(exc), &s);
    const char *const want[] = {"/pl011@9000000", "/pl031@9010000", "/virtio_mmio@a000000",
                                "/virtio_mmio@a000200", "/soc/uart@1000"};
    assert_paths(&s, want, ARRAY_SIZE(want));
}

static void virt_callback_stop(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    s.stop_at = 3;
    s.stop_rc = 42;
    const char *bad = "unset";
    assert_int_equal(fdt_pt_collect(&virt, root_only, 1, NULL, 0, irq_fdt_xlate, record, &s, &bad), 42);
    assert_int_equal(s.n, 3);
    assert_null(bad);
    memset(&s, 0, sizeof(s));
    s.stop_at = 1;
    s.stop_rc = -7; /* negative values are passed through as well */
    assert_int_equal(fdt_pt_collect(&virt, root_only, 1, NULL, 0, irq_fdt_xlate, record, &s, NULL), -7);
    assert_int_equal(s.n, 1);
    /* Stopping at the last device still returns the stop value. */
    memset(&s, 0, sizeof(s));
    s.stop_at = ARRAY_SIZE(virt_devices);
    s.stop_rc = 1;
    assert_int_equal(fdt_pt_collect(&virt, root_only, 1, NULL, 0, irq_fdt_xlate, record, &s, NULL), 1);
}

/* More include and exclude paths than are resolved up front. */
static void virt_many_paths(void **state)
{
    (void)state;
    struct seen s;
    const char *inc[40], *exc[40];
    for (size_t i = 0; i < ARRAY_SIZE(inc); i++) {
        inc[i] = i == 35 ? "/soc/uart@1000" : i == 20 ? "/pl031@9010000" : "/timer";
        exc[i] = i == 30 ? "/pl031@9010000" : "/nope";
    }
    collect(&virt, inc, ARRAY_SIZE(inc), NULL, 0, &s);
    const char *const want[] = {"/pl031@9010000", "/soc/uart@1000"};
    assert_paths(&s, want, 2);
    collect(&virt, inc, ARRAY_SIZE(inc), exc, ARRAY_SIZE(exc), &s);
    assert_paths(&s, want + 1, 1);
    inc[39] = "/missing";
    const char *bad = NULL;
    assert_int_equal(fdt_pt_collect(&virt, inc, ARRAY_SIZE(inc), NULL, 0, irq_fdt_xlate, NULL, NULL, &bad), -1);
    assert_string_equal(bad, "/missing");
}

/* ---- awkward and malformed cases ---- */

static u8 odd_buf[16384];
static struct fdt odd;

static void odd_device(struct fdt_writer *w, const char *name, u32 addr)
{
    fdt_begin_node(w, name);
    CELLS(w, "reg", 0, addr, 0, 0x1000);
}

static int build_odd(u8 *buf, size_t cap)
{
    struct fdt_writer wr, *w = &wr;
    fdt_writer_init(w, buf, cap);
    fdt_begin_node(w, "");
    fdt_property_u32(w, "#address-cells", 2);
    fdt_property_u32(w, "#size-cells", 2);
    fdt_property_u32(w, "interrupt-parent", GIC_PHANDLE);

    fdt_begin_node(w, "interrupt-controller@8000000");
    fdt_property_u32(w, "phandle", GIC_PHANDLE);
    const char *const gic[] = {"arm,gic-400", "arm,cortex-a15-gic"};
    fdt_property_strings(w, "compatible", gic, 2);
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", 3);
    CELLS(w, "reg", 0, 0x08000000, 0, 0x10000);
    fdt_end_node(w);

    /* A GPIO controller that is also an interrupt controller. */
    fdt_begin_node(w, "gpio@9030000");
    fdt_property_u32(w, "phandle", GPIO_PHANDLE);
    fdt_property_empty(w, "gpio-controller");
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", 2);
    CELLS(w, "reg", 0, 0x09030000, 0, 0x1000);
    CELLS(w, "interrupts", 0, 7, 4);
    fdt_end_node(w);

    odd_device(w, "button@9040000", 0x09040000); /* GIC-like specifier, but a GPIO parent */
    fdt_property_u32(w, "interrupt-parent", GPIO_PHANDLE);
    CELLS(w, "interrupts", 0, 5, 4);
    fdt_end_node(w);

    odd_device(w, "trunc-irq@9060000", 0x09060000);
    CELLS(w, "interrupts", 0, 8, 4, 0, 9);
    fdt_end_node(w);

    odd_device(w, "short-irq@9070000", 0x09070000);
    CELLS(w, "interrupts", 0, 8);
    fdt_end_node(w);

    odd_device(w, "odd-len-irq@9071000", 0x09071000);
    fdt_property(w, "interrupts", "\0\0\0\0\0\0\0\x0a\0\0\0\x04\0", 13);
    fdt_end_node(w);

    fdt_begin_node(w, "many@9080000");
    CELLS(w, "reg", 0, 0x09080000, 0, 0x1000, 0, 0x09081000, 0, 0x1000, 0, 0x09082000, 0, 0x1000, 0,
          0x09083000, 0, 0x1000, 0, 0x09084000, 0, 0x1000);
    CELLS(w, "interrupts", 1, 3, 4, 0, 988, 4, 0, 987, 4, 2, 5, 4, 0, 20, 4, 0, 20, 1, 0, 21, 2, 0, 22, 8, 0,
          23, 4);
    fdt_end_node(w);

    fdt_begin_node(w, "many-regs@9088000"); /* only the regs overflow */
    CELLS(w, "reg", 0, 0x09088000, 0, 0x100, 0, 0x09088100, 0, 0x100, 0, 0x09088200, 0, 0x100, 0, 0x09088300,
          0, 0x100, 0, 0x09088400, 0, 0x100);
    CELLS(w, "interrupts", 0, 24, 4);
    fdt_end_node(w);

    fdt_begin_node(w, "zero@9090000");
    CELLS(w, "reg", 0, 0x09090000, 0, 0, 0, 0x09091000, 0, 0x1000, 0xffffffff, 0xfffff000, 0, 0x2000);
    fdt_end_node(w);

    fdt_begin_node(w, "odd-reg@90a0000");
    CELLS(w, "reg", 0, 0x090a0000, 0, 0x1000, 0);
    fdt_end_node(w);

    odd_device(w, "ext@90b0000", 0x090b0000);
    CELLS(w, "interrupts", 0, 30, 4); /* interrupts-extended takes precedence */
    CELLS(w, "interrupts-extended", GIC_PHANDLE, 0, 11, 1, GPIO_PHANDLE, 3, 4, GIC_PHANDLE, 1, 3, 4,
          GIC_PHANDLE, 0, 12, 4);
    fdt_end_node(w);

    odd_device(w, "ext-bad@90b1000", 0x090b1000);
    CELLS(w, "interrupts-extended", GIC_PHANDLE, 0, 13, 4, 0x99, 0, 14, 4, GIC_PHANDLE, 0, 15, 4);
    fdt_end_node(w);

    odd_device(w, "ext-short@90b2000", 0x090b2000);
    CELLS(w, "interrupts-extended", GIC_PHANDLE, 0, 13, 4, GIC_PHANDLE, 0, 14);
    fdt_end_node(w);

    odd_device(w, "bad-parent@90c0000", 0x090c0000);
    fdt_property_u32(w, "interrupt-parent", 0x99);
    CELLS(w, "interrupts", 0, 12, 4);
    fdt_end_node(w);

    odd_device(w, "bad-parent-prop@90d0000", 0x090d0000);
    fdt_property(w, "interrupt-parent", "\0\x01", 2);
    CELLS(w, "interrupts", 0, 12, 4);
    fdt_end_node(w);

    odd_device(w, "not-ctl-parent@90e0000", 0x090e0000); /* parent is a plain device */
    fdt_property_u32(w, "interrupt-parent", 3);
    fdt_property_u32(w, "phandle", 3);
    CELLS(w, "interrupts", 0, 12, 4);
    fdt_end_node(w);

    /* GIC-compatible controllers with a bad and with the 4-cell (GICv3 PPI partition) format. */
    fdt_begin_node(w, "gic-bad");
    fdt_property_u32(w, "phandle", 4);
    fdt_property_string(w, "compatible", "arm,gic-v3");
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", 2);
    fdt_end_node(w);
    fdt_begin_node(w, "gic-four");
    fdt_property_u32(w, "phandle", 5);
    fdt_property_string(w, "compatible", "arm,gic-v3");
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", 4);
    fdt_end_node(w);
    odd_device(w, "bad-cells@90f0000", 0x090f0000);
    fdt_property_u32(w, "interrupt-parent", 4);
    CELLS(w, "interrupts", 0, 12, 4, 0);
    fdt_end_node(w);
    odd_device(w, "four-cells@90f1000", 0x090f1000);
    fdt_property_u32(w, "interrupt-parent", 5);
    CELLS(w, "interrupts", 0, 12, 4, 0, 0, 13, 1, 0, 0, 14);
    fdt_end_node(w);

    fdt_begin_node(w, "wide-addr");
    fdt_property_u32(w, "#address-cells", 3);
    fdt_property_u32(w, "#size-cells", 2);
    fdt_property_empty(w, "ranges");
    fdt_begin_node(w, "dev@0");
    CELLS(w, "reg", 0, 0, 0x1000, 0, 0x100);
    CELLS(w, "interrupts", 0, 40, 4);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "wide-size");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 3);
    fdt_property_empty(w, "ranges");
    fdt_begin_node(w, "dev@0");
    CELLS(w, "reg", 0x1000, 0, 0, 0x100);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "i2c@9100000"); /* a device bus without ranges */
    CELLS(w, "reg", 0, 0x09100000, 0, 0x1000);
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 0);
    fdt_begin_node(w, "pmic@50");
    CELLS(w, "reg", 0x50);
    CELLS(w, "interrupts", 0, 41, 4);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "no-ranges"); /* a bus that is not memory-mapped */
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 1);
    fdt_begin_node(w, "dev@1000");
    CELLS(w, "reg", 0x1000, 0x100);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "soc");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 1);
    CELLS(w, "ranges", 0x0, 0x0, 0x20000000, 0x100000, 0x40000000, 0x1, 0x00000000, 0x1000);
    fdt_begin_node(w, "uart@1000");
    CELLS(w, "reg", 0x1000, 0x100);
    fdt_end_node(w);
    fdt_begin_node(w, "straddle@ff000");
    CELLS(w, "reg", 0xff000, 0x2000, 0x2000, 0x10);
    fdt_end_node(w);
    fdt_begin_node(w, "high@40000000");
    CELLS(w, "reg", 0x40000000, 0x1000);
    fdt_end_node(w);
    fdt_begin_node(w, "ram@80000"); /* memory is never passed through, wherever it is */
    fdt_property_string(w, "device_type", "memory");
    CELLS(w, "reg", 0x80000, 0x1000);
    fdt_end_node(w);
    fdt_begin_node(w, "sub");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 1);
    CELLS(w, "ranges", 0x0, 0x5000, 0x1000);
    fdt_begin_node(w, "leaf@10");
    CELLS(w, "reg", 0x10, 0x10);
    fdt_end_node(w);
    fdt_end_node(w);
    fdt_begin_node(w, "bad-ranges");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 1);
    CELLS(w, "ranges", 0x0, 0x5000); /* shorter than one entry */
    fdt_begin_node(w, "leaf@10");
    CELLS(w, "reg", 0x10, 0x10);
    fdt_end_node(w);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "wrap");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 1);
    CELLS(w, "ranges", 0x0, 0xffffffff, 0xfffff000, 0x100000);
    fdt_begin_node(w, "dev@0");
    CELLS(w, "reg", 0x0, 0x1000, 0x1000, 0x1000); /* the second would wrap past 2^64 */
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_end_node(w);
    return fdt_writer_finish(w);
}

/* Builds both trees (robustness uses both). */
static int setup(void **state)
{
    (void)state;
    int n = build_virt(virt_buf, sizeof(virt_buf));
    assert_true(n > 0);
    assert_int_equal(fdt_open(&virt, virt_buf, (size_t)n), 0);
    n = build_odd(odd_buf, sizeof(odd_buf));
    assert_true(n > 0);
    assert_int_equal(fdt_open(&odd, odd_buf, (size_t)n), 0);
    return 0;
}

static void odd_interrupts(void **state)
{
    (void)state;
    struct seen s;
    collect(&odd, root_only, 1, NULL, 0, &s);
    assert_null(find(&s, "/interrupt-controller@8000000"));
    assert_null(find(&s, "/gpio@9030000")); /* an interrupt controller too */
    const struct fdt_pt_device *d = get(&s, "/button@9040000");
    assert_int_equal(d->reg_count, 1);
    assert_int_equal(d->irq_count, 0);
    d = get(&s, "/trunc-irq@9060000"); /* the partial second entry is ignored */
    assert_int_equal(d->irq_count, 1);
    assert_spi(d, 0, 40, false);
    assert_int_equal(get(&s, "/short-irq@9070000")->irq_count, 0);
    d = get(&s, "/odd-len-irq@9071000");
    assert_int_equal(d->irq_count, 1);
    assert_spi(d, 0, 42, false);
    /* PPI, out-of-range number, extended SPI and a repeat skipped; flags 1 and 2 are edges. */
    d = get(&s, "/many@9080000");
    assert_int_equal(d->irq_count, 4);
    assert_spi(d, 0, 1019, false);
    assert_spi(d, 1, 52, false);
    assert_spi(d, 2, 53, true);
    assert_spi(d, 3, 54, false);
    assert_true(d->truncated);
    d = get(&s, "/ext@90b0000");
    assert_int_equal(d->irq_count, 2);
    assert_spi(d, 0, 43, true);
    assert_spi(d, 1, 44, false);
    d = get(&s, "/ext-bad@90b1000"); /* stops at the unknown phandle */
    assert_int_equal(d->irq_count, 1);
    assert_spi(d, 0, 45, false);
    d = get(&s, "/ext-short@90b2000");
    assert_int_equal(d->irq_count, 1);
    assert_spi(d, 0, 45, false);
    assert_int_equal(get(&s, "/bad-parent@90c0000")->irq_count, 0);
    assert_int_equal(get(&s, "/bad-parent-prop@90d0000")->irq_count, 0);
    assert_int_equal(get(&s, "/not-ctl-parent@90e0000")->irq_count, 0);
    assert_int_equal(get(&s, "/bad-cells@90f0000")->irq_count, 0);
    d = get(&s, "/four-cells@90f1000");
    assert_int_equal(d->irq_count, 2);
    assert_spi(d, 0, 44, false);
    assert_spi(d, 1, 45, true);
}

static void odd_regs(void **state)
{
    (void)state;
    struct seen s;
    collect(&odd, root_only, 1, NULL, 0, &s);
    const struct fdt_pt_device *d = get(&s, "/many@9080000");
    assert_int_equal(d->reg_count, FDT_PT_MAX_REGS);
    assert_reg(d, 3, 0x09083000, 0x1000);
    d = get(&s, "/many-regs@9088000");
    assert_int_equal(d->reg_count, FDT_PT_MAX_REGS);
    assert_reg(d, 0, 0x09088000, 0x100);
    assert_reg(d, 3, 0x09088300, 0x100);
    assert_spi(d, 0, 56, false);
    assert_true(d->truncated);
    d = get(&s, "/zero@9090000"); /* zero size and wrapping entries skipped */
    assert_int_equal(d->reg_count, 1);
    assert_reg(d, 0, 0x09091000, 0x1000);
    assert_false(d->truncated);
    d = get(&s, "/odd-reg@90a0000");
    assert_int_equal(d->reg_count, 1);
    assert_reg(d, 0, 0x090a0000, 0x1000);
    /* Unsupported cell counts: no regs, but the node is still reported with its SPIs. */
    d = get(&s, "/wide-addr/dev@0");
    assert_int_equal(d->reg_count, 0);
    assert_spi(d, 0, 72, false);
    assert_int_equal(get(&s, "/wide-size/dev@0")->reg_count, 0);
    /* Not memory-mapped (no ranges on the bus). */
    assert_reg(get(&s, "/i2c@9100000"), 0, 0x09100000, 0x1000);
    d = get(&s, "/i2c@9100000/pmic@50");
    assert_int_equal(d->reg_count, 0);
    assert_spi(d, 0, 73, false);
    assert_int_equal(get(&s, "/no-ranges/dev@1000")->reg_count, 0);
    assert_null(find(&s, "/soc/ram@80000"));
    /* Translation: one level, a region straddling a window's end, a second window, two levels,
     * malformed ranges, and a window that would wrap. */
    d = get(&s, "/soc/uart@1000");
    assert_int_equal(d->reg_count, 1);
    assert_reg(d, 0, 0x20001000, 0x100);
    d = get(&s, "/soc/straddle@ff000");
    assert_int_equal(d->reg_count, 1);
    assert_reg(d, 0, 0x20002000, 0x10);
    assert_reg(get(&s, "/soc/high@40000000"), 0, 0x100000000ull, 0x1000);
    assert_reg(get(&s, "/soc/sub/leaf@10"), 0, 0x20005010, 0x10);
    assert_int_equal(get(&s, "/soc/bad-ranges/leaf@10")->reg_count, 0);
    d = get(&s, "/wrap/dev@0");
    assert_int_equal(d->reg_count, 1);
    assert_reg(d, 0, 0xfffffffffffff000ull, 0x1000);
}

/* Paths longer than the buffer are cut and marked. */
static void long_paths(void **state)
{
    (void)state;
    u8 buf[4096];
    struct fdt_writer w;
    char name[40];
    fdt_writer_init(&w, buf, sizeof(buf));
    fdt_begin_node(&w, "");
    fdt_property_u32(&w, "#address-cells", 1);
    fdt_property_u32(&w, "#size-cells", 1);
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "bus-with-a-long-name-number-%d", i);
        fdt_begin_node(&w, name);
        fdt_property_u32(&w, "#address-cells", 1);
        fdt_property_u32(&w, "#size-cells", 1);
        fdt_property_empty(&w, "ranges");
        CELLS(&w, "reg", 0x1000 * (u32)(i + 1), 0x100);
    }
    for (int i = 0; i < 6; i++)
        fdt_end_node(&w);
    fdt_end_node(&w);
    int n = fdt_writer_finish(&w);
    assert_true(n > 0);
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    struct seen s;
    collect(&f, root_only, 1, NULL, 0, &s);
    assert_int_equal(s.n, 6);
    char full[512];
    for (int i = 0; i < 6; i++) {
        const struct fdt_pt_device *d = &s.dev[i];
        assert_int_equal(fdt_node_path(&f, d->node, full, sizeof(full)), 0);
        assert_reg(d, 0, 0x1000 * (u64)(i + 1), 0x100);
        assert_true(strlen(d->path) < FDT_PT_PATH_MAX);
        if (strlen(full) < FDT_PT_PATH_MAX) {
            assert_string_equal(d->path, full);
        } else {
            assert_int_equal(strlen(d->path), FDT_PT_PATH_MAX - 1);
            assert_memory_equal(d->path, full, FDT_PT_PATH_MAX - 4);
            assert_string_equal(d->path + FDT_PT_PATH_MAX - 4, "...");
        }
    }
    assert_string_equal(s.dev[0].path, "/bus-with-a-long-name-number-0");
    assert_string_equal(s.dev[5].path + FDT_PT_PATH_MAX - 4, "...");
}

/* ---- robustness: every include path, truncations and corruptions of the trees ---- */

/* Every node's path as the include path, then as the exclude path; must not misbehave. */
static void every_path(const struct fdt *f)
{
    char path[256];
    for (int n = fdt_root(f); n >= 0; n = fdt_next_node(f, n)) {
        if (fdt_node_path(f, n, path, sizeof(path)))
            continue;
        const char *const p[] = {path};
        int got = fdt_pt_collect(f, p, 1, NULL, 0, irq_fdt_xlate, NULL, NULL, NULL);
        int back = fdt_path_lookup(f, path);
        assert_true(back < 0 ? got == -1 : got >= 0);
        (void)fdt_pt_collect(f, root_only, 1, p, 1, irq_fdt_xlate, NULL, NULL, NULL);
    }
}

static int check_device(const struct fdt_pt_device *d, void *arg)
{
    (void)arg;
    assert_true(d->reg_count <= FDT_PT_MAX_REGS && d->irq_count <= FDT_PT_MAX_IRQS);
    assert_true(strnlen(d->path, FDT_PT_PATH_MAX) < FDT_PT_PATH_MAX && d->path[0] == '/');
    for (u32 i = 0; i < d->reg_count; i++)
        assert_true(d->reg_size[i] > 0 && d->reg_base[i] + (d->reg_size[i] - 1) >= d->reg_base[i]);
    for (u32 i = 0; i < d->irq_count; i++)
        assert_true(d->irq[i] >= 32 && d->irq[i] <= 1019);
    return 0;
}

static void corrupt_all(const u8 *blob, size_t size)
{
    u8 *copy = malloc(size);
    assert_non_null(copy);
    for (size_t len = 0; len <= size; len += 7) { /* truncations */
        struct fdt f;
        memcpy(copy, blob, size);
        if (fdt_open(&f, copy, len) == 0)
            (void)fdt_pt_collect(&f, root_only, 1, NULL, 0, irq_fdt_xlate, check_device, NULL, NULL);
    }
    static const u8 values[] = {0x00, 0xff, 0x01, 0x03, 0x04, 0x80};
    for (size_t i = 0; i < size; i++) { /* single-byte corruptions */
        for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
            struct fdt f;
            memcpy(copy, blob, size);
            copy[i] = values[v];
            if (fdt_open(&f, copy, size) == 0)
                (void)fdt_pt_collect(&f, root_only, 1, NULL, 0, irq_fdt_xlate, check_device, NULL, NULL);
        }
    }
    free(copy);
}

static void robustness(void **state)
{
    (void)state;
    every_path(&virt);
    every_path(&odd);
    assert_int_equal(fdt_pt_collect(&odd, root_only, 1, NULL, 0, irq_fdt_xlate, check_device, NULL, NULL), 27);
    corrupt_all(virt.blob, virt.size);
    corrupt_all(odd.blob, odd.size);
    /* A blob that failed to open yields an error, not a walk. */
    struct fdt none;
    assert_int_equal(fdt_open(&none, virt_buf, 16), -1);
    assert_int_equal(fdt_pt_collect(&none, root_only, 1, NULL, 0, irq_fdt_xlate, NULL, NULL, NULL), -1);
}

/* ---- QEMU's own virt tree ---- */

static void qemu_virt(void **state)
{
    (void)state;
    const char *dir = getenv("FDT_FIXTURE_DIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/qemu-virt.dtb", dir ? dir : FDT_FIXTURE_DIR);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open fixture %s (run via make)", path);
    static u8 blob[1 << 20];
    size_t n = fread(blob, 1, sizeof(blob), fp);
    fclose(fp);
    struct fdt f;
    assert_int_equal(fdt_open(&f, blob, n), 0);
    struct seen *s = malloc(sizeof(*s));
    assert_non_null(s);
    /* gic-version=3: the GIC and its ITS child stay out; 32 virtio-mmio slots. */
    const char *const pcie[] = {"/pcie@10000000"};
    int count = collect(&f, root_only, 1, pcie, 1, s);
    assert_null(find(s, "/intc@8000000"));
    assert_null(find(s, "/intc@8000000/its@8080000"));
    assert_null(find(s, "/pcie@10000000"));
    assert_null(find(s, "/memory@40000000"));
    const struct fdt_pt_device *d = get(s, "/pl011@9000000");
    assert_reg(d, 0, 0x09000000, 0x1000);
    assert_int_equal(d->irq_count, 1);
    assert_spi(d, 0, 33, false);
    d = get(s, "/virtio_mmio@a000000");
    assert_spi(d, 0, 48, true);
    d = get(s, "/flash@0");
    assert_int_equal(d->reg_count, 2);
    assert_reg(d, 1, 0x04000000, 0x04000000);
    int virtio = 0;
    for (int i = 0; i < s->n; i++) {
        check_device(&s->dev[i], NULL);
        virtio += strncmp(s->dev[i].path, "/virtio_mmio@", 13) == 0;
    }
    assert_int_equal(virtio, 32);
    assert_int_equal(fdt_pt_collect(&f, root_only, 1, NULL, 0, irq_fdt_xlate, NULL, NULL, NULL), count + 1);
    free(s);
}

int main(void)
{
    const struct CMUnitTest virt_tests[] = {
        cmocka_unit_test(virt_all),           cmocka_unit_test(virt_regs_and_spis),
        cmocka_unit_test(virt_exclude),       cmocka_unit_test(virt_single),
        cmocka_unit_test(virt_bad_include),   cmocka_unit_test(virt_missing_exclude),
        cmocka_unit_test(virt_callback_stop), cmocka_unit_test(virt_many_paths),
    };
    const struct CMUnitTest odd_tests[] = {
        cmocka_unit_test(odd_interrupts), cmocka_unit_test(odd_regs),  cmocka_unit_test(long_paths),
        cmocka_unit_test(robustness),     cmocka_unit_test(qemu_virt),
    };
    int failed = cmocka_run_group_tests_name("fdt_pt_virt", virt_tests, setup, NULL);
    failed += cmocka_run_group_tests_name("fdt_pt", odd_tests, setup, NULL);
    return failed;
}
