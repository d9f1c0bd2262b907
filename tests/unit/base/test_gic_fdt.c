/* The GIC device-tree binding (base/drivers/gic_fdt.c): the one place a DTB interrupt number
 * becomes a GIC INTID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <base/irq.h>
#include <lib/fdt.h>

static u8 buf[1024];
static struct fdt tree;
static int gic_v3, gic_400, plic;

static void build(void)
{
    struct fdt_writer wr, *w = &wr;
    fdt_writer_init(w, buf, sizeof(buf));
    fdt_begin_node(w, "");
    fdt_begin_node(w, "gic3");
    fdt_property_string(w, "compatible", "arm,gic-v3");
    fdt_end_node(w);
    fdt_begin_node(w, "gic2");
    fdt_property_string(w, "compatible", "arm,gic-400");
    fdt_end_node(w);
    fdt_begin_node(w, "plic");
    fdt_property_string(w, "compatible", "sifive,plic-1.0.0");
    fdt_end_node(w);
    fdt_end_node(w);
    int size = fdt_writer_finish(w);
    assert_true(size > 0);
    assert_int_equal(fdt_open(&tree, buf, (size_t)size), 0);
    gic_v3 = fdt_path_lookup(&tree, "/gic3");
    gic_400 = fdt_path_lookup(&tree, "/gic2");
    plic = fdt_path_lookup(&tree, "/plic");
}

static bool xlate(int ctl, u32 count, u32 c0, u32 c1, u32 c2, struct fdt_irq *out)
{
    struct fdt_irq_spec s = {.controller = ctl, .cell_count = count, .cells = {c0, c1, c2, 0}};
    return irq_fdt_xlate(&tree, &s, out);
}

static void spis_and_ppis(void **state)
{
    (void)state;
    build();
    struct fdt_irq irq;
    assert_true(xlate(gic_v3, 3, 0, 1, 4, &irq));
    assert_int_equal(irq.irq, 33);
    assert_false(irq.edge);
    assert_false(irq.percpu);
    assert_true(xlate(gic_400, 3, 0, 987, 1, &irq)); /* the last SPI: INTID 1019 */
    assert_int_equal(irq.irq, 1019);
    assert_true(irq.edge);
    assert_true(xlate(gic_v3, 3, 0, 16, 2, &irq)); /* falling edge */
    assert_true(irq.edge);
    assert_true(xlate(gic_v3, 3, 1, 10, 4, &irq)); /* the EL2 timer's PPI */
    assert_int_equal(irq.irq, 26);
    assert_true(irq.percpu);
    assert_true(xlate(gic_v3, 4, 1, 9, 4, &irq)); /* GICv3's 4-cell form */
    assert_int_equal(irq.irq, 25);
}

static void refused(void **state)
{
    (void)state;
    build();
    struct fdt_irq irq;
    assert_false(xlate(gic_v3, 3, 0, 988, 4, &irq)); /* past INTID 1019 */
    assert_false(xlate(gic_v3, 3, 1, 16, 4, &irq));  /* PPI 16 does not exist */
    assert_false(xlate(gic_v3, 3, 2, 0, 4, &irq));   /* extended SPI: not used */
    assert_false(xlate(gic_v3, 2, 0, 1, 0, &irq));   /* too few cells */
    assert_false(xlate(plic, 3, 0, 1, 4, &irq));     /* another controller's specifier */
    assert_false(xlate(-1, 3, 0, 1, 4, &irq));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spis_and_ppis),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
