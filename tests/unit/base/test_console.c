/* Console selection (base/core/console_select.c over console.c): the board's early console from
 * the first line, then the UART the DTB's stdout-path names when a registered driver is
 * compatible with it, its interrupt through the interrupt controller's translation (here the
 * GIC binding, base/drivers/gic_fdt.c), and the UART claimed for the hypervisor. Two fake
 * console drivers register with CONSOLE_DRIVER as real ones do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>

#include <base/console.h>
#include <base/devclaim.h>
#include <base/log.h>
#include <base/platform.h>
#include <lib/string.h>

#define CELLS(w, name, ...)                                                                                  \
    fdt_property_cells(w, name, (const u32[]){__VA_ARGS__}, sizeof((const u32[]){__VA_ARGS__}) / sizeof(u32))

/* ---- what the base around console selection provides ---- */

enum log_level log_level_current = LOG_INFO;
static char last_log[256];
void log_write(enum log_level level, long vm_id, const char *fmt, ...)
{
    (void)level, (void)vm_id;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    va_end(ap);
}

const struct platform_console platform_early_console = {"test,uart-a", 0x9000000};

/* ---- two fake UART drivers: each records what was written to which base ---- */

struct fake_uart {
    u64 base;
    char out[256];
    size_t n;
};
static struct fake_uart uart_a, uart_b;
static u64 refuse_base; /* a probe at this base finds no device */

static void *probe(struct fake_uart *u, u64 base)
{
    if (base == refuse_base)
        return NULL;
    memset(u, 0, sizeof(*u));
    u->base = base;
    return u;
}
static void *probe_a(u64 base) { return probe(&uart_a, base); }
static void *probe_b(u64 base) { return probe(&uart_b, base); }
static void fake_putc(void *dev, char c)
{
    struct fake_uart *u = dev;
    if (u->n < sizeof(u->out) - 1)
        u->out[u->n++] = c;
}
static int fake_getc(void *dev) { return dev == &uart_b ? 'b' : 'a'; }

CONSOLE_DRIVER(driver_a) = {.compatible = "test,uart-a", .probe = probe_a, .putc = fake_putc, .getc = fake_getc};
CONSOLE_DRIVER(driver_b) = {.compatible = "test,uart-b", .probe = probe_b, .putc = fake_putc, .getc = fake_getc};

/* ---- host trees ---- */

static u8 buf[4096];
static struct fdt tree;

/* A GIC, UART A at the early console's address (SPI 1) and UART B (SPI 8, edge); /chosen
 * names `stdout` (none when NULL). */
static void build(const char *stdout_path)
{
    struct fdt_writer wr, *w = &wr;
    fdt_writer_init(w, buf, sizeof(buf));
    fdt_begin_node(w, "");
    fdt_property_u32(w, "#address-cells", 1);
    fdt_property_u32(w, "#size-cells", 1);
    fdt_property_u32(w, "interrupt-parent", 1);
    fdt_begin_node(w, "intc@8000000");
    fdt_property_string(w, "compatible", "arm,gic-v3");
    fdt_property_u32(w, "phandle", 1);
    fdt_property_empty(w, "interrupt-controller");
    fdt_property_u32(w, "#interrupt-cells", 3);
    fdt_end_node(w);
    fdt_begin_node(w, "uart@9000000");
    const char *const compat_a[] = {"test,uart-a", "test,generic"};
    fdt_property_strings(w, "compatible", compat_a, 2);
    CELLS(w, "reg", 0x9000000, 0x1000);
    CELLS(w, "interrupts", 0, 1, 4);
    fdt_end_node(w);
    fdt_begin_node(w, "serial@a000000");
    fdt_property_string(w, "compatible", "test,uart-b");
    CELLS(w, "reg", 0xa000000, 0x1000);
    CELLS(w, "interrupts", 0, 8, 1);
    fdt_end_node(w);
    fdt_begin_node(w, "odd@b000000");
    fdt_property_string(w, "compatible", "test,unknown-uart");
    CELLS(w, "reg", 0xb000000, 0x1000);
    fdt_end_node(w);
    fdt_begin_node(w, "aliases");
    fdt_property_string(w, "serial1", "/serial@a000000");
    fdt_end_node(w);
    fdt_begin_node(w, "chosen");
    if (stdout_path)
        fdt_property_string(w, "stdout-path", stdout_path);
    fdt_end_node(w);
    fdt_end_node(w);
    int size = fdt_writer_finish(w);
    assert_true(size > 0);
    assert_int_equal(fdt_open(&tree, buf, (size_t)size), 0);
}

static int reset(void **state)
{
    (void)state;
    memset(&uart_a, 0, sizeof(uart_a));
    memset(&uart_b, 0, sizeof(uart_b));
    refuse_base = 0;
    last_log[0] = 0;
    dev_release_all(DEVCLAIM_HYPERVISOR);
    return 0;
}

static void assert_claimed(u64 base)
{
    const struct dev_claim *c = dev_claim_find(base, 1);
    assert_non_null(c);
    assert_ptr_equal(c->owner, DEVCLAIM_HYPERVISOR);
}

static void early_console_then_stdout_path(void **state)
{
    (void)state;
    console_init_early();
    console_puts("early\n");
    assert_int_equal(uart_a.base, 0x9000000);
    assert_string_equal(uart_a.out, "early\r\n");

    build("serial1:115200n8");
    struct console_info info;
    console_init_dtb(&tree, &info);
    console_puts("dtb");
    assert_string_equal(uart_b.out, "dtb");
    assert_string_equal(uart_a.out, "early\r\n"); /* nothing more on the early one */
    assert_int_equal(info.base, 0xa000000);
    assert_int_equal(info.irq, 32 + 8); /* SPI 8 through the GIC binding */
    assert_int_equal(console_getc(), 'b');
    assert_claimed(0xa000000);
    assert_null(dev_claim_find(0x9000000, 1));
}

static void same_uart_is_kept(void **state)
{
    (void)state;
    console_init_early();
    build("/uart@9000000");
    struct console_info info;
    console_init_dtb(&tree, &info);
    console_puts("x");
    assert_string_equal(uart_a.out, "x");
    assert_int_equal(info.base, 0x9000000);
    assert_int_equal(info.irq, 33);
    assert_claimed(0x9000000);
}

/* No stdout-path, or one no built-in driver handles: the early console stays, and its
 * interrupt is found from the DTB node at its address. */
static void early_console_kept_with_its_interrupt(void **state)
{
    (void)state;
    const char *const paths[] = {NULL, "/odd@b000000", "/missing", "serial9"};
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        reset(NULL);
        console_init_early();
        build(paths[i]);
        struct console_info info;
        console_init_dtb(&tree, &info);
        console_puts("k");
        assert_string_equal(uart_a.out, "k");
        assert_int_equal(uart_b.n, 0);
        assert_int_equal(info.base, 0x9000000);
        assert_int_equal(info.irq, 33);
        assert_claimed(0x9000000);
    }
}

static void failed_probe_keeps_early_console(void **state)
{
    (void)state;
    console_init_early();
    refuse_base = 0xa000000;
    build("serial1");
    struct console_info info;
    console_init_dtb(&tree, &info);
    console_puts("still");
    assert_string_equal(uart_a.out, "still");
    assert_int_equal(info.base, 0x9000000);
    assert_int_equal(info.irq, 33);
    assert_non_null(strstr(last_log, "keeping the early console"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(early_console_then_stdout_path, reset),
        cmocka_unit_test_setup(same_uart_is_kept, reset),
        cmocka_unit_test_setup(early_console_kept_with_its_interrupt, reset),
        cmocka_unit_test_setup(failed_probe_keeps_early_console, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
