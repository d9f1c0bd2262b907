/* The emulated 16550 (hv/devices/vns16550.c): transmit, the receive FIFO and LSR, the divisor
 * latch, the interrupt line (received data, THR empty, gated by OUT2), loopback, and what a
 * hostile guest may write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <hv/vns16550.h>

struct rec {
    char tx[64];
    size_t ntx;
    bool line;
    unsigned edges;
};

static void rec_tx(void *ctx, char c)
{
    struct rec *r = ctx;
    if (r->ntx < sizeof(r->tx))
        r->tx[r->ntx] = c;
    r->ntx++;
}

static void rec_irq(void *ctx, bool level)
{
    struct rec *r = ctx;
    assert_true(level != r->line); /* called on changes only */
    r->line = level;
    r->edges++;
}

static u64 rd(struct vns16550 *u, u64 reg)
{
    u64 v = 0xdead;
    assert_true(vns16550_read(u, reg, 1, &v));
    return v;
}

static void setup(struct vns16550 *u, struct rec *r)
{
    *r = (struct rec){0};
    struct vns16550_host h = {rec_tx, rec_irq, r};
    vns16550_init(u, &h);
}

static void test_transmit_and_lsr(void **state)
{
    (void)state;
    struct vns16550 u;
    struct rec r;
    setup(&u, &r);
    assert_int_equal(rd(&u, VNS16550_LSR), VNS16550_LSR_THRE | VNS16550_LSR_TEMT);
    assert_true(vns16550_write(&u, VNS16550_RBR, 1, 'h'));
    assert_true(vns16550_write(&u, VNS16550_RBR, 1, 'i'));
    assert_int_equal(r.ntx, 2);
    assert_memory_equal(r.tx, "hi", 2);
    /* The divisor latch takes writes to ports 0/1 instead of THR/IER. */
    assert_true(vns16550_write(&u, VNS16550_LCR, 1, VNS16550_LCR_DLAB | 3));
    assert_true(vns16550_write(&u, VNS16550_RBR, 1, 1));
    assert_true(vns16550_write(&u, VNS16550_IER, 1, 0));
    assert_int_equal(rd(&u, VNS16550_RBR), 1);
    assert_true(vns16550_write(&u, VNS16550_LCR, 1, 3));
    assert_int_equal(r.ntx, 2);
    assert_int_equal(rd(&u, VNS16550_LCR), 3);
    /* Only byte accesses to the 8 registers. */
    u64 v;
    assert_false(vns16550_read(&u, 8, 1, &v));
    assert_false(vns16550_read(&u, 0, 2, &v));
    assert_false(vns16550_write(&u, 0, 4, 0));
    assert_false(vns16550_write(&u, ~0ull, 1, 0));
}

static void test_receive_fifo(void **state)
{
    (void)state;
    struct vns16550 u;
    struct rec r;
    setup(&u, &r);
    assert_int_equal(vns16550_rx_space(&u), VNS16550_FIFO);
    for (int i = 0; i < VNS16550_FIFO; i++)
        assert_true(vns16550_rx(&u, (char)('a' + i)));
    assert_false(vns16550_rx(&u, 'z')); /* full: overrun */
    assert_int_equal(vns16550_rx_space(&u), 0);
    assert_int_equal(rd(&u, VNS16550_LSR) & (VNS16550_LSR_DR | VNS16550_LSR_OE), VNS16550_LSR_DR | VNS16550_LSR_OE);
    assert_int_equal(rd(&u, VNS16550_LSR) & VNS16550_LSR_OE, 0); /* cleared by the read */
    for (int i = 0; i < VNS16550_FIFO; i++)
        assert_int_equal(rd(&u, VNS16550_RBR), 'a' + i);
    assert_int_equal(rd(&u, VNS16550_LSR) & VNS16550_LSR_DR, 0);
    assert_int_equal(rd(&u, VNS16550_RBR), 0);
    /* FCR's RX reset empties it. */
    vns16550_rx(&u, 'x');
    assert_true(vns16550_write(&u, VNS16550_IIR, 1, VNS16550_FCR_ENABLE | VNS16550_FCR_CLEAR_RX));
    assert_int_equal(rd(&u, VNS16550_LSR) & VNS16550_LSR_DR, 0);
    assert_int_equal(rd(&u, VNS16550_IIR) & VNS16550_IIR_FIFO, VNS16550_IIR_FIFO);
}

static void test_interrupts(void **state)
{
    (void)state;
    struct vns16550 u;
    struct rec r;
    setup(&u, &r);
    /* Received data with IER.RDI but without OUT2: pending in IIR, the line stays low. */
    assert_true(vns16550_write(&u, VNS16550_IER, 1, VNS16550_IER_RDI));
    vns16550_rx(&u, 'k');
    assert_int_equal(rd(&u, VNS16550_IIR) & 0x0f, VNS16550_IIR_RDI);
    assert_false(r.line);
    assert_true(vns16550_write(&u, VNS16550_MCR, 1, VNS16550_MCR_OUT2));
    assert_true(r.line);
    assert_int_equal(rd(&u, VNS16550_RBR), 'k'); /* reading the data lowers it */
    assert_false(r.line);
    assert_int_equal(rd(&u, VNS16550_IIR) & 0x0f, VNS16550_IIR_NONE);
    /* THR empty: raised on enabling, cleared by reading IIR, raised again by a transmit. */
    assert_true(vns16550_write(&u, VNS16550_IER, 1, VNS16550_IER_THRI));
    assert_true(r.line);
    assert_int_equal(rd(&u, VNS16550_IIR) & 0x0f, VNS16550_IIR_THRI);
    assert_false(r.line);
    assert_true(vns16550_write(&u, VNS16550_RBR, 1, '!'));
    assert_true(r.line);
    assert_true(vns16550_write(&u, VNS16550_IER, 1, 0));
    assert_false(r.line);
}

static void test_loopback(void **state)
{
    (void)state;
    struct vns16550 u;
    struct rec r;
    setup(&u, &r);
    assert_true(vns16550_write(&u, VNS16550_MCR, 1, VNS16550_MCR_LOOP | 0x0f));
    assert_int_equal(rd(&u, VNS16550_MSR) & 0xf0, 0xf0);
    assert_true(vns16550_write(&u, VNS16550_RBR, 1, 0x55));
    assert_int_equal(r.ntx, 0); /* looped back, not sent */
    assert_int_equal(rd(&u, VNS16550_RBR), 0x55);
    assert_true(vns16550_write(&u, VNS16550_SCR, 1, 0xa5));
    assert_int_equal(rd(&u, VNS16550_SCR), 0xa5);
}

/* The firmware console's read (SBI getchar, DBCN read on riscv64): the oldest byte first, as
 * RBR would give it, then -1; taking the last one lowers the received-data interrupt. */
static void test_getc(void **state)
{
    (void)state;
    struct vns16550 u;
    struct rec r;
    setup(&u, &r);
    assert_int_equal(vns16550_getc(&u), -1);
    assert_true(vns16550_write(&u, VNS16550_IER, 1, VNS16550_IER_RDI));
    assert_true(vns16550_write(&u, VNS16550_MCR, 1, VNS16550_MCR_OUT2));
    vns16550_rx(&u, 'a');
    vns16550_rx(&u, (char)0xff);
    assert_true(r.line);
    assert_int_equal(vns16550_getc(&u), 'a');
    assert_true(r.line);
    assert_int_equal(vns16550_getc(&u), 0xff); /* a byte, not -1 */
    assert_false(r.line);
    assert_int_equal(vns16550_getc(&u), -1);
    assert_int_equal(rd(&u, VNS16550_LSR) & VNS16550_LSR_DR, 0);
    assert_int_equal(vns16550_rx_space(&u), VNS16550_FIFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transmit_and_lsr),
        cmocka_unit_test(test_receive_fifo),
        cmocka_unit_test(test_interrupts),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_getc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
