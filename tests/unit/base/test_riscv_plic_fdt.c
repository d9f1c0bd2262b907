/* The RISC-V interrupt bindings (base/drivers/riscv_plic_fdt.c): PLIC sources and the hart
 * interrupt controller's supervisor timer as the riscv driver's IRQ numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <drivers/riscv_plic.h>
#include <lib/fdt.h>

static u8 buf[1024];
static struct fdt tree;
static int plic, intc, gic;

static void build(void)
{
    struct fdt_writer wr, *w = &wr;
    fdt_writer_init(w, buf, sizeof(buf));
    fdt_begin_node(w, "");
    fdt_begin_node(w, "plic");
    const char *const compat[] = {"sifive,plic-1.0.0", "riscv,plic0"};
    fdt_property_strings(w, "compatible", compat, 2);
    fdt_end_node(w);
    fdt_begin_node(w, "intc");
    fdt_property_string(w, "compatible", "riscv,cpu-intc");
    fdt_end_node(w);
    fdt_begin_node(w, "gic");
    fdt_property_string(w, "compatible", "arm,gic-v3");
    fdt_end_node(w);
    fdt_end_node(w);
    int size = fdt_writer_finish(w);
    assert_true(size > 0);
    assert_int_equal(fdt_open(&tree, buf, (size_t)size), 0);
    plic = fdt_path_lookup(&tree, "/plic");
    intc = fdt_path_lookup(&tree, "/intc");
    gic = fdt_path_lookup(&tree, "/gic");
}

static bool xlate(int ctl, u32 count, u32 cell, struct fdt_irq *out)
{
    struct fdt_irq_spec s = {.controller = ctl, .cell_count = count, .cells = {cell, 0, 0, 0}};
    return irq_fdt_xlate(&tree, &s, out);
}

static void plic_sources_and_timer(void **state)
{
    (void)state;
    build();
    struct fdt_irq irq;
    assert_true(xlate(plic, 1, 10, &irq)); /* QEMU virt's UART */
    assert_int_equal(irq.irq, RISCV_IRQ_PLIC + 10);
    assert_false(irq.percpu);
    assert_true(xlate(plic, 1, IRQ_MAX - RISCV_IRQ_PLIC - 1, &irq));
    assert_int_equal(irq.irq, IRQ_MAX - 1);
    assert_true(xlate(intc, 1, 5, &irq)); /* supervisor timer */
    assert_int_equal(irq.irq, RISCV_IRQ_TIMER);
    assert_true(irq.percpu);
}

static void refused(void **state)
{
    (void)state;
    build();
    struct fdt_irq irq;
    assert_false(xlate(plic, 1, 0, &irq)); /* source 0 does not exist */
    assert_false(xlate(plic, 1, IRQ_MAX - RISCV_IRQ_PLIC, &irq));
    assert_false(xlate(plic, 2, 10, &irq));
    assert_false(xlate(intc, 1, 9, &irq)); /* the external interrupt: the PLIC's own input */
    assert_false(xlate(gic, 1, 10, &irq));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plic_sources_and_timer),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
