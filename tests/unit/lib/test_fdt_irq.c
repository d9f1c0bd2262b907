/* Interrupt specifiers and the console node of a device tree (lib/src/fdt_irq.c): finding the
 * interrupt parent (own property, inherited, or the parent node being the controller),
 * interrupts-extended with controllers of different cell counts, malformed properties, and
 * /chosen stdout-path as a path or an alias with options. Trees come from the FDT writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <lib/fdt.h>
#include <lib/string.h>
#include <lib/types.h>

#define CELLS(w, name, ...)                                                                                  \
    fdt_property_cells(w, name, (const u32[]){__VA_ARGS__}, sizeof((const u32[]){__VA_ARGS__}) / sizeof(u32))

#define GIC 1
#define PLIC 2
#define GPIO 3
#define NOT_A_CONTROLLER 4
#define WIDE 5

static u8 buf[8192];
static struct fdt tree;

static void controller(struct fdt_writer *w, const char *name, u32 phandle, u32 cells)
{
    fdt_begin_node(w, name);
    fdt_property_u32(w, "phandle", phandle);
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", cells);
    fdt_end_node(w);
}

static void build(const char *stdout_path, bool with_alias)
{
    struct fdt_writer wr, *w = &wr;
    fdt_writer_init(w, buf, sizeof(buf));
    fdt_begin_node(w, "");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 1);
    fdt_property_u32(w, "interrupt-parent", GIC);
    controller(w, "gic", GIC, 3);
    controller(w, "plic", PLIC, 1);
    controller(w, "gpio", GPIO, 2);
    controller(w, "wide", WIDE, 5); /* more cells than a specifier holds */
    fdt_begin_node(w, "notctl");
    fdt_property_u32(w, "phandle", NOT_A_CONTROLLER);
    fdt_property_u32(w, "#interrupt-cells", 1); /* no interrupt-controller property */
    fdt_end_node(w);

    fdt_begin_node(w, "uart@1000"); /* inherits the root's interrupt-parent */
    CELLS(w, "reg", 0x1000, 0x100);
    CELLS(w, "interrupts", 0, 1, 4, 0, 2, 1);
    fdt_end_node(w);

    fdt_begin_node(w, "soc");
    fdt_property_u32(w, "interrupt-parent", PLIC);
    fdt_begin_node(w, "serial@2000"); /* inherits soc's */
    CELLS(w, "reg", 0x2000, 0x100);
    CELLS(w, "interrupts", 10);
    fdt_end_node(w);
    fdt_begin_node(w, "dev@3000"); /* its own */
    fdt_property_u32(w, "interrupt-parent", GPIO);
    CELLS(w, "interrupts", 7, 2, 8, 1);
    fdt_end_node(w);
    fdt_begin_node(w, "mixed@4000");
    CELLS(w, "interrupts-extended", GIC, 0, 5, 4, PLIC, 33, GPIO, 3, 1);
    CELLS(w, "interrupts", 99); /* interrupts-extended wins */
    fdt_end_node(w);
    fdt_begin_node(w, "short@5000");
    CELLS(w, "interrupts-extended", GIC, 0, 5); /* one cell short */
    fdt_end_node(w);
    fdt_begin_node(w, "badparent@6000");
    fdt_property_u32(w, "interrupt-parent", NOT_A_CONTROLLER);
    CELLS(w, "interrupts", 1);
    fdt_end_node(w);
    fdt_begin_node(w, "oddparent@7000");
    CELLS(w, "interrupt-parent", PLIC, 0); /* 8 bytes: malformed */
    CELLS(w, "interrupts", 1);
    fdt_end_node(w);
    fdt_begin_node(w, "widedev@8000");
    fdt_property_u32(w, "interrupt-parent", WIDE);
    CELLS(w, "interrupts", 1, 2, 3, 4, 5);
    fdt_end_node(w);
    fdt_end_node(w);

    /* A controller node with children: its children's parent is the controller itself. */
    fdt_begin_node(w, "intmux");
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", 1);
    fdt_property_u32(w, "interrupt-parent", GIC);
    CELLS(w, "interrupts", 0, 9, 4);
    fdt_begin_node(w, "leaf");
    CELLS(w, "interrupts", 6);
    fdt_end_node(w);
    fdt_end_node(w);

    fdt_begin_node(w, "chosen");
    if (stdout_path)
        fdt_property_string(w, "stdout-path", stdout_path);
    fdt_end_node(w);
    if (with_alias) {
        fdt_begin_node(w, "aliases");
        fdt_property_string(w, "serial0", "/soc/serial@2000");
        fdt_property_string(w, "bad", "soc/serial@2000");
        fdt_end_node(w);
    }
    fdt_end_node(w);
    int size = fdt_writer_finish(w);
    assert_true(size > 0);
    assert_int_equal(fdt_open(&tree, buf, (size_t)size), 0);
}

static int node(const char *path)
{
    int n = fdt_path_lookup(&tree, path);
    assert_true(n >= 0);
    return n;
}

static void assert_spec(const char *path, u32 index, const char *ctl, u32 count, const u32 *cells)
{
    struct fdt_irq_spec s;
    memset(&s, 0xa5, sizeof(s));
    assert_true(fdt_irq_spec(&tree, node(path), index, &s));
    assert_int_equal(s.controller, node(ctl));
    assert_int_equal(s.cell_count, count);
    for (u32 i = 0; i < count; i++)
        assert_int_equal(s.cells[i], cells[i]);
}

static void assert_no_spec(const char *path, u32 index)
{
    struct fdt_irq_spec s;
    assert_false(fdt_irq_spec(&tree, node(path), index, &s));
}

static void interrupt_parent_rules(void **state)
{
    (void)state;
    build(NULL, false);
    assert_spec("/uart@1000", 0, "/gic", 3, (const u32[]){0, 1, 4});
    assert_spec("/uart@1000", 1, "/gic", 3, (const u32[]){0, 2, 1});
    assert_no_spec("/uart@1000", 2);
    assert_spec("/soc/serial@2000", 0, "/plic", 1, (const u32[]){10});
    assert_spec("/soc/dev@3000", 0, "/gpio", 2, (const u32[]){7, 2});
    assert_spec("/soc/dev@3000", 1, "/gpio", 2, (const u32[]){8, 1});
    assert_spec("/intmux/leaf", 0, "/intmux", 1, (const u32[]){6});
    assert_spec("/intmux", 0, "/gic", 3, (const u32[]){0, 9, 4});
}

static void interrupts_extended(void **state)
{
    (void)state;
    build(NULL, false);
    assert_spec("/soc/mixed@4000", 0, "/gic", 3, (const u32[]){0, 5, 4});
    assert_spec("/soc/mixed@4000", 1, "/plic", 1, (const u32[]){33});
    assert_spec("/soc/mixed@4000", 2, "/gpio", 2, (const u32[]){3, 1});
    assert_no_spec("/soc/mixed@4000", 3);
    assert_no_spec("/soc/short@5000", 0);
}

static void malformed_or_absent(void **state)
{
    (void)state;
    build(NULL, false);
    assert_no_spec("/soc/badparent@6000", 0); /* the parent is no interrupt controller */
    assert_no_spec("/soc/oddparent@7000", 0); /* a malformed interrupt-parent routes nowhere */
    assert_no_spec("/soc/widedev@8000", 0);   /* more cells than FDT_IRQ_MAX_CELLS */
    assert_no_spec("/chosen", 0);
    assert_int_equal(fdt_irq_cells(&tree, node("/plic")), 1);
    assert_int_equal(fdt_irq_cells(&tree, node("/notctl")), 0);
    assert_int_equal(fdt_irq_cells(&tree, node("/wide")), 0);
    assert_int_equal(fdt_irq_cells(&tree, -1), 0);
}

static void stdout_path_forms(void **state)
{
    (void)state;
    build("/uart@1000", false);
    assert_int_equal(fdt_stdout_node(&tree), node("/uart@1000"));
    build("/uart@1000:115200n8", false);
    assert_int_equal(fdt_stdout_node(&tree), node("/uart@1000"));
    build("serial0:115200n8", true);
    assert_int_equal(fdt_stdout_node(&tree), node("/soc/serial@2000"));
    build("serial0", true);
    assert_int_equal(fdt_stdout_node(&tree), node("/soc/serial@2000"));
    build("serial0", false); /* no /aliases */
    assert_int_equal(fdt_stdout_node(&tree), -1);
    build("bad", true); /* an alias that is no absolute path */
    assert_int_equal(fdt_stdout_node(&tree), -1);
    build("/nowhere", true);
    assert_int_equal(fdt_stdout_node(&tree), -1);
    build(":9600", true);
    assert_int_equal(fdt_stdout_node(&tree), -1);
    build(NULL, true);
    assert_int_equal(fdt_stdout_node(&tree), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interrupt_parent_rules),
        cmocka_unit_test(interrupts_extended),
        cmocka_unit_test(malformed_or_absent),
        cmocka_unit_test(stdout_path_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
