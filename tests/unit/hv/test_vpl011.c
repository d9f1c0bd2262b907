#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <hv/vpl011.h>
#include <lib/string.h>
#include <lib/types.h>

/* What the host side saw: transmitted bytes and every set_irq call. */
struct rec {
    char tx[512];
    size_t ntx;
    bool irq[512];
    size_t nirq;
    bool line;
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
    /* Redundant calls are a bug: the level must change each time. */
    assert_true(level != r->line);
    r->line = level;
    if (r->nirq < ARRAY_SIZE(r->irq))
        r->irq[r->nirq] = level;
    r->nirq++;
}

static void setup(struct vpl011 *u, struct rec *r)
{
    memset(r, 0, sizeof(*r));
    struct vpl011_host h = {.tx = rec_tx, .set_irq = rec_irq, .ctx = r};
    vpl011_init(u, &h);
}

static u32 rd(struct vpl011 *u, u64 off)
{
    u64 v = 0xdeadbeef;
    assert_true(vpl011_read(u, off, 4, &v));
    assert_true(v <= 0xffffffffu);
    return (u32)v;
}

static void wr(struct vpl011 *u, u64 off, u32 v)
{
    assert_true(vpl011_write(u, off, 4, v));
}

/* The set_irq log alternates high/low starting from low and matches the model's line. */
static void check_irq_log(const struct vpl011 *u, const struct rec *r)
{
    size_t n = MIN(r->nirq, ARRAY_SIZE(r->irq));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r->irq[i], (i % 2) == 0);
    assert_int_equal(r->line, vpl011_irq_level(u));
    assert_int_equal(r->line, (rd((struct vpl011 *)u, VPL011_MIS) != 0));
}

static void id_registers(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    static const u8 want[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(rd(&u, 0xfe0 + 4 * i), want[i]);
        u64 v = 0;
        assert_true(vpl011_read(&u, 0xfe0 + 4 * i, 1, &v));
        assert_int_equal(v, want[i]);
        assert_true(vpl011_read(&u, 0xfe0 + 4 * i, 2, &v));
        assert_int_equal(v, want[i]);
        wr(&u, 0xfe0 + 4 * i, 0xff); /* read-only */
        assert_int_equal(rd(&u, 0xfe0 + 4 * i), want[i]);
    }
    /* Linux's AMBA bus: periphid 0x00141011 masked with 0x000fffff is the PL011's 0x00041011. */
    u32 periphid = 0;
    for (unsigned i = 0; i < 4; i++)
        periphid |= rd(&u, 0xfe0 + 4 * i) << (8 * i);
    assert_int_equal(periphid & 0x000fffff, 0x00041011);
    u32 cid = 0;
    for (unsigned i = 0; i < 4; i++)
        cid |= rd(&u, 0xff0 + 4 * i) << (8 * i);
    assert_int_equal(cid, 0xb105f00d);
}

static void reset_values(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    assert_int_equal(rd(&u, VPL011_CR), 0x300);
    assert_int_equal(rd(&u, VPL011_IFLS), 0x12);
    assert_int_equal(rd(&u, VPL011_FR),
                     VPL011_FR_TXFE | VPL011_FR_RXFE | VPL011_FR_CTS | VPL011_FR_DSR | VPL011_FR_DCD);
    assert_int_equal(rd(&u, VPL011_IMSC), 0);
    assert_int_equal(rd(&u, VPL011_RIS), VPL011_INT_TX);
    assert_int_equal(rd(&u, VPL011_MIS), 0);
    assert_int_equal(rd(&u, VPL011_RSR), 0);
    assert_int_equal(rd(&u, VPL011_LCR_H), 0);
    assert_int_equal(rd(&u, VPL011_IBRD), 0);
    assert_int_equal(rd(&u, VPL011_FBRD), 0);
    assert_int_equal(rd(&u, VPL011_DMACR), 0);
    assert_int_equal(rd(&u, VPL011_ICR), 0); /* write-only */
    assert_int_equal(r.nirq, 0);
    assert_false(vpl011_irq_level(&u));
    assert_int_equal(vpl011_rx_space(&u), 1);

    /* A NULL host (or NULL callbacks) is allowed: output and interrupts go nowhere. */
    struct vpl011 q;
    vpl011_init(&q, NULL);
    assert_true(vpl011_write(&q, VPL011_IMSC, 4, VPL011_INT_ALL));
    assert_true(vpl011_write(&q, VPL011_DR, 4, 'x'));
    assert_true(vpl011_rx(&q, 'y'));
    assert_true(vpl011_irq_level(&q));
}

static void tx_reaches_callback(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    /* Earlycon: FR.TXFF poll, then DR, before anything enabled the UART (UARTEN clear). */
    const char *msg = "early\n";
    for (const char *p = msg; *p; p++) {
        assert_false(rd(&u, VPL011_FR) & VPL011_FR_TXFF);
        assert_true(vpl011_write(&u, VPL011_DR, 1, (u8)*p));
        assert_false(rd(&u, VPL011_FR) & VPL011_FR_BUSY);
    }
    /* 32-bit (mmio32 earlycon, SBSA) and 16-bit writes: only bits 7:0 are data. */
    wr(&u, VPL011_DR, 0xf00 | 'A');
    assert_true(vpl011_write(&u, VPL011_DR, 2, 0x0100 | 'B'));
    /* Lenient: even with the transmitter and UART disabled the byte goes out. */
    wr(&u, VPL011_CR, 0);
    wr(&u, VPL011_DR, 'C');
    assert_int_equal(r.ntx, 9);
    assert_memory_equal(r.tx, "early\nABC", 9);
    u32 fr = rd(&u, VPL011_FR);
    assert_true(fr & VPL011_FR_TXFE);
    assert_false(fr & (VPL011_FR_TXFF | VPL011_FR_BUSY));
    assert_int_equal(r.nirq, 0);
}

static void fr_flags_with_fifo(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    wr(&u, VPL011_LCR_H, VPL011_LCRH_FEN | VPL011_LCRH_WLEN_8);
    wr(&u, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE);
    assert_int_equal(vpl011_rx_space(&u), VPL011_FIFO);
    for (int i = 0; i < VPL011_FIFO; i++) {
        u32 fr = rd(&u, VPL011_FR);
        assert_int_equal(!!(fr & VPL011_FR_RXFE), i == 0);
        assert_false(fr & VPL011_FR_RXFF);
        assert_true(vpl011_rx(&u, (char)('a' + i)));
        assert_int_equal(vpl011_rx_space(&u), VPL011_FIFO - 1 - i);
    }
    u32 fr = rd(&u, VPL011_FR);
    assert_true(fr & VPL011_FR_RXFF);
    assert_false(fr & VPL011_FR_RXFE);
    assert_true(fr & VPL011_FR_TXFE);
    /* Overflow: refused, nothing lost or overwritten, no overrun flagged. */
    assert_false(vpl011_rx(&u, '!'));
    assert_int_equal(vpl011_rx_space(&u), 0);
    assert_int_equal(rd(&u, VPL011_RSR), 0);
    for (int i = 0; i < VPL011_FIFO; i++) {
        fr = rd(&u, VPL011_FR);
        assert_false(fr & VPL011_FR_RXFE);
        assert_int_equal(!!(fr & VPL011_FR_RXFF), i == 0);
        assert_int_equal(rd(&u, VPL011_DR), 'a' + i);
    }
    fr = rd(&u, VPL011_FR);
    assert_true(fr & VPL011_FR_RXFE);
    assert_false(fr & VPL011_FR_RXFF);
    /* Reading an empty FIFO: 0, and still empty. */
    assert_int_equal(rd(&u, VPL011_DR), 0);
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFE);
    assert_int_equal(vpl011_rx_space(&u), VPL011_FIFO);
    /* Wrap-around of the ring. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 20; i++)
            assert_true(vpl011_rx(&u, (char)(round * 20 + i)));
        for (int i = 0; i < 20; i++) {
            u64 v = 0;
            assert_true(vpl011_read(&u, VPL011_DR, 1, &v));
            assert_int_equal(v, (u8)(round * 20 + i));
        }
    }
}

static void fr_flags_without_fifo(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    /* Reset state: FEN clear, RXE set: a one-byte holding register. */
    assert_int_equal(vpl011_rx_space(&u), 1);
    assert_true(vpl011_rx(&u, 'x'));
    u32 fr = rd(&u, VPL011_FR);
    assert_true(fr & VPL011_FR_RXFF);
    assert_false(fr & VPL011_FR_RXFE);
    assert_false(vpl011_rx(&u, 'y'));
    assert_int_equal(vpl011_rx_space(&u), 0);
    assert_int_equal(rd(&u, VPL011_DR), 'x');
    fr = rd(&u, VPL011_FR);
    assert_true(fr & VPL011_FR_RXFE);
    assert_false(fr & VPL011_FR_RXFF);

    /* Turning the FIFO on gives room; turning it off with data queued keeps the data. */
    wr(&u, VPL011_LCR_H, VPL011_LCRH_FEN);
    for (int i = 0; i < 5; i++)
        assert_true(vpl011_rx(&u, (char)('0' + i)));
    wr(&u, VPL011_LCR_H, 0);
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFF);
    assert_false(vpl011_rx(&u, 'z'));
    for (int i = 0; i < 5; i++)
        assert_int_equal(rd(&u, VPL011_DR), '0' + i);
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFE);
    assert_true(vpl011_rx(&u, 'z'));
}

static void rx_gated_by_rxe_and_loopback(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    wr(&u, VPL011_LCR_H, VPL011_LCRH_FEN);
    wr(&u, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE);
    assert_int_equal(vpl011_rx_space(&u), 0);
    assert_false(vpl011_rx(&u, 'a'));
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFE);
    /* UARTEN does not matter (lenient): RXE alone accepts input. */
    wr(&u, VPL011_CR, VPL011_CR_RXE);
    assert_true(vpl011_rx(&u, 'a'));

    /* Loopback: TX goes to our RX, the host sees nothing and cannot feed input. */
    wr(&u, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE | VPL011_CR_LBE);
    assert_int_equal(vpl011_rx_space(&u), 0);
    assert_false(vpl011_rx(&u, 'b'));
    for (int i = 0; i < VPL011_FIFO - 1; i++)
        wr(&u, VPL011_DR, (u32)('A' + i));
    assert_int_equal(r.ntx, 0);
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFF);
    assert_int_equal(rd(&u, VPL011_RSR), 0);
    /* One more overruns: dropped, RSR.OE and RIS.OE set. */
    wr(&u, VPL011_DR, '#');
    assert_int_equal(rd(&u, VPL011_RSR), VPL011_RSR_OE);
    assert_true(rd(&u, VPL011_RIS) & VPL011_INT_OE);
    wr(&u, VPL011_RSR, 0); /* ECR */
    assert_int_equal(rd(&u, VPL011_RSR), 0);
    assert_true(rd(&u, VPL011_RIS) & VPL011_INT_OE);
    wr(&u, VPL011_ICR, VPL011_INT_OE);
    assert_false(rd(&u, VPL011_RIS) & VPL011_INT_OE);
    assert_int_equal(rd(&u, VPL011_DR), 'a');
    for (int i = 0; i < VPL011_FIFO - 1; i++)
        assert_int_equal(rd(&u, VPL011_DR), 'A' + i);
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFE);
    /* Loopback with RXE clear (Linux's old TX-IRQ provoking trick) drops the byte. */
    wr(&u, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_LBE);
    wr(&u, VPL011_DR, 0);
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFE);
    assert_int_equal(rd(&u, VPL011_RSR), 0);
    assert_int_equal(r.ntx, 0);
    wr(&u, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE);
    wr(&u, VPL011_DR, 'o');
    assert_int_equal(r.ntx, 1);
    assert_int_equal(r.tx[0], 'o');
}

static void irq_rx_level_and_timeout(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    wr(&u, VPL011_LCR_H, VPL011_LCRH_FEN);
    wr(&u, VPL011_IFLS, VPL011_IFLS_RX(1) | VPL011_IFLS_TX(2)); /* RX trigger: 1/4 = 8 bytes */
    wr(&u, VPL011_IMSC, VPL011_INT_RX);
    for (int i = 0; i < 7; i++) {
        assert_true(vpl011_rx(&u, 'x'));
        /* Below the trigger: only the timeout is raised, and it is masked. */
        assert_int_equal(rd(&u, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), VPL011_INT_RT);
        assert_false(r.line);
    }
    assert_true(vpl011_rx(&u, 'x'));
    assert_int_equal(rd(&u, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), VPL011_INT_RX);
    assert_int_equal(rd(&u, VPL011_MIS), VPL011_INT_RX);
    assert_true(r.line);
    assert_int_equal(r.nirq, 1);
    assert_true(vpl011_rx(&u, 'x')); /* still above: no new call */
    assert_int_equal(r.nirq, 1);
    rd(&u, VPL011_DR);
    assert_true(r.line);
    rd(&u, VPL011_DR); /* 7 left: below the trigger */
    assert_false(r.line);
    assert_int_equal(r.nirq, 2);
    /* Unmasking the timeout raises the line for the remaining bytes. */
    wr(&u, VPL011_IMSC, VPL011_INT_RX | VPL011_INT_RT);
    assert_true(r.line);
    assert_int_equal(rd(&u, VPL011_MIS), VPL011_INT_RT);
    /* ICR cannot clear RX/RT while data is unread: they are levels of the FIFO. */
    wr(&u, VPL011_ICR, VPL011_INT_RX | VPL011_INT_RT);
    assert_true(r.line);
    assert_int_equal(rd(&u, VPL011_MIS), VPL011_INT_RT);
    assert_int_equal(r.nirq, 3);
    /* Masking via IMSC drops the line, unmasking raises it. */
    wr(&u, VPL011_IMSC, 0);
    assert_false(r.line);
    assert_int_equal(rd(&u, VPL011_RIS) & VPL011_INT_RT, VPL011_INT_RT);
    wr(&u, VPL011_IMSC, VPL011_INT_RT);
    assert_true(r.line);
    while (!(rd(&u, VPL011_FR) & VPL011_FR_RXFE))
        rd(&u, VPL011_DR);
    assert_false(r.line);
    assert_int_equal(rd(&u, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), 0);
    assert_int_equal(r.nirq, 6);
    /* Changing the trigger level re-evaluates: 4 bytes are below 1/4 but reach 1/8. */
    wr(&u, VPL011_IMSC, VPL011_INT_RX);
    for (int i = 0; i < 4; i++)
        assert_true(vpl011_rx(&u, 'y'));
    assert_false(r.line);
    wr(&u, VPL011_IFLS, VPL011_IFLS_RX(0));
    assert_true(r.line);
    /* Disabling the FIFO: trigger is one byte. */
    wr(&u, VPL011_IFLS, VPL011_IFLS_RX(4));
    assert_false(r.line);
    wr(&u, VPL011_LCR_H, 0);
    assert_true(r.line);
    check_irq_log(&u, &r);
}

static void irq_fifo_disabled(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    wr(&u, VPL011_IMSC, VPL011_INT_RX | VPL011_INT_RT);
    assert_false(r.line);
    assert_true(vpl011_rx(&u, 'q'));
    assert_true(r.line);
    assert_int_equal(rd(&u, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), VPL011_INT_RX);
    u64 v = 0;
    assert_true(vpl011_read(&u, VPL011_DR, 2, &v));
    assert_int_equal(v, 'q');
    assert_false(r.line);
    assert_int_equal(r.nirq, 2);
    check_irq_log(&u, &r);
}

static void irq_tx(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    wr(&u, VPL011_LCR_H, VPL011_LCRH_FEN);
    /* The TX FIFO is empty from reset: unmasking TX raises the line at once. */
    wr(&u, VPL011_IMSC, VPL011_INT_TX);
    assert_true(r.line);
    assert_int_equal(rd(&u, VPL011_MIS), VPL011_INT_TX);
    /* ICR clears it and it stays clear (no storm) until the next transmitted byte. */
    wr(&u, VPL011_ICR, VPL011_INT_TX);
    assert_false(r.line);
    assert_int_equal(rd(&u, VPL011_RIS) & VPL011_INT_TX, 0);
    wr(&u, VPL011_IMSC, VPL011_INT_TX); /* no 0->1 change of TXIM: nothing */
    assert_false(r.line);
    wr(&u, VPL011_DR, 'a');
    assert_true(r.line);
    wr(&u, VPL011_DR, 'b'); /* already high: no call */
    assert_int_equal(r.nirq, 3);
    wr(&u, VPL011_ICR, VPL011_INT_ALL);
    assert_false(r.line);
    /* Masking TX then unmasking it re-arms the interrupt (the FIFO still has room). */
    wr(&u, VPL011_IMSC, 0);
    assert_false(r.line);
    wr(&u, VPL011_IMSC, VPL011_INT_TX);
    assert_true(r.line);
    /* Masking drops the line without clearing RIS. */
    wr(&u, VPL011_IMSC, 0);
    assert_false(r.line);
    assert_true(rd(&u, VPL011_RIS) & VPL011_INT_TX);
    /* A transmitted byte with TX masked: RIS set, line low. */
    wr(&u, VPL011_ICR, VPL011_INT_TX);
    wr(&u, VPL011_DR, 'c');
    assert_true(rd(&u, VPL011_RIS) & VPL011_INT_TX);
    assert_false(r.line);
    /* TX and RX share the line: it stays high until both are gone. */
    wr(&u, VPL011_IMSC, VPL011_INT_TX | VPL011_INT_RX | VPL011_INT_RT);
    assert_true(r.line);
    assert_true(vpl011_rx(&u, 'z'));
    wr(&u, VPL011_ICR, VPL011_INT_TX);
    assert_true(r.line);
    rd(&u, VPL011_DR);
    assert_false(r.line);
    assert_int_equal(r.nirq, 8);
    check_irq_log(&u, &r);
}

static void access_rules(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    u64 v = 0;
    /* 64-bit accesses, odd widths, misaligned or sub-register offsets, outside the page. */
    assert_false(vpl011_read(&u, VPL011_DR, 8, &v));
    assert_false(vpl011_write(&u, VPL011_DR, 8, 'x'));
    assert_false(vpl011_read(&u, VPL011_CR, 3, &v));
    assert_false(vpl011_read(&u, VPL011_CR, 0, &v));
    assert_false(vpl011_write(&u, VPL011_CR, 16, 0));
    assert_false(vpl011_read(&u, VPL011_FR + 1, 1, &v));
    assert_false(vpl011_write(&u, VPL011_DR + 1, 1, 'x'));
    assert_false(vpl011_read(&u, VPL011_CR + 2, 2, &v));
    assert_false(vpl011_write(&u, VPL011_CR + 2, 2, 0));
    assert_false(vpl011_read(&u, 0x1000, 4, &v));
    assert_false(vpl011_write(&u, 0x1000, 4, 0));
    assert_false(vpl011_read(&u, ~0ull - 3, 4, &v));
    assert_false(vpl011_read(&u, VPL011_CR, 4, NULL));
    assert_false(vpl011_read(NULL, VPL011_CR, 4, &v));
    assert_false(vpl011_write(NULL, VPL011_CR, 4, 0));
    assert_false(vpl011_rx(NULL, 'x'));
    assert_int_equal(vpl011_rx_space(NULL), 0);
    assert_int_equal(r.ntx, 0);
    /* Reserved, test and unknown offsets inside the page: read as zero, writes ignored. */
    static const u64 reserved[] = {0x008, 0x00c, 0x010, 0x014, 0x01c, 0x04c, 0x080, 0x08c, 0x100, 0xfdc};
    for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
        assert_true(vpl011_write(&u, reserved[i], 4, 0xffffffff));
        v = 1;
        assert_true(vpl011_read(&u, reserved[i], 4, &v));
        assert_int_equal(v, 0);
    }
    /* Read-only registers ignore writes. */
    wr(&u, VPL011_FR, 0);
    wr(&u, VPL011_RIS, 0xffff);
    wr(&u, VPL011_MIS, 0xffff);
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFE);
    assert_int_equal(rd(&u, VPL011_RIS), VPL011_INT_TX);
    /* Register widths: bits beyond each register read back as zero. */
    wr(&u, VPL011_IBRD, 0xffffffff);
    wr(&u, VPL011_FBRD, 0xffffffff);
    wr(&u, VPL011_ILPR, 0xffffffff);
    wr(&u, VPL011_LCR_H, 0xffffffff);
    wr(&u, VPL011_IFLS, 0xffffffff);
    wr(&u, VPL011_DMACR, 0xffffffff);
    wr(&u, VPL011_CR, 0xffffffff);
    assert_int_equal(rd(&u, VPL011_IBRD), 0xffff);
    assert_int_equal(rd(&u, VPL011_FBRD), 0x3f);
    assert_int_equal(rd(&u, VPL011_ILPR), 0xff);
    assert_int_equal(rd(&u, VPL011_LCR_H), 0xff);
    assert_int_equal(rd(&u, VPL011_IFLS), 0x3f);
    assert_int_equal(rd(&u, VPL011_DMACR), 0x7);
    assert_int_equal(rd(&u, VPL011_CR), 0xff87);
    /* Narrow accesses: reads return the low bytes, writes change only the bytes covered. */
    assert_true(vpl011_write(&u, VPL011_IBRD, 1, 0x12));
    assert_int_equal(rd(&u, VPL011_IBRD), 0xff12);
    assert_true(vpl011_read(&u, VPL011_IBRD, 1, &v));
    assert_int_equal(v, 0x12);
    assert_true(vpl011_write(&u, VPL011_CR, 2, 0x0301));
    assert_int_equal(rd(&u, VPL011_CR), 0x0301);
    assert_true(vpl011_write(&u, VPL011_CR, 1, 0x00));
    assert_int_equal(rd(&u, VPL011_CR), 0x0300);
    assert_true(vpl011_read(&u, VPL011_CR, 2, &v));
    assert_int_equal(v, 0x0300);
    /* Wide values are truncated to the access width. */
    assert_true(vpl011_write(&u, VPL011_IBRD, 2, 0xabcdef0123ull));
    assert_int_equal(rd(&u, VPL011_IBRD), 0x0123);
    /* The register state survives all of that. */
    assert_int_equal(r.nirq, 0);
}

/* ---- A simulated Linux amba-pl011 driver (PIO, no DMA), enough to run its state machine. ---- */

struct linux_sim {
    struct vpl011 *u;
    struct rec *r;
    u32 im;       /* the driver's copy of IMSC */
    int fifosize; /* Linux uses 16 for PeriphID revision < 3 */
    const char *xmit;
    size_t xmit_len, xmit_tail;
    char rx[256];
    size_t nrx;
    int isr_runs;
    bool old_tx; /* pre-4.5 driver: start_tx enables TXIM and lets the interrupt do the writes */
};

/* vendor_arm: 16-bit register accesses. */
static u32 lr(struct linux_sim *s, u64 off)
{
    u64 v = 0;
    assert_true(vpl011_read(s->u, off, 2, &v));
    return (u32)v;
}

static void lw(struct linux_sim *s, u64 off, u32 v)
{
    assert_true(vpl011_write(s->u, off, 2, v));
}

static void linux_stop_tx(struct linux_sim *s)
{
    s->im &= ~VPL011_INT_TX;
    lw(s, VPL011_IMSC, s->im);
}

/* pl011_tx_chars: from the interrupt it writes fifosize/2 bytes without polling FR. */
static bool linux_tx_chars(struct linux_sim *s, bool from_irq)
{
    int count = s->fifosize >> 1;
    if (s->xmit_tail == s->xmit_len) {
        linux_stop_tx(s);
        return false;
    }
    do {
        if (from_irq && count-- == 0)
            break;
        if (!from_irq && (lr(s, VPL011_FR) & VPL011_FR_TXFF))
            break;
        lw(s, VPL011_DR, (u8)s->xmit[s->xmit_tail]);
        s->xmit_tail++;
    } while (s->xmit_tail < s->xmit_len);
    if (s->xmit_tail == s->xmit_len) {
        linux_stop_tx(s);
        return false;
    }
    return true;
}

static void linux_start_tx(struct linux_sim *s, const char *str)
{
    s->xmit = str;
    s->xmit_len = strlen(str);
    s->xmit_tail = 0;
    if (s->old_tx) {
        s->im |= VPL011_INT_TX;
        lw(s, VPL011_IMSC, s->im);
        return;
    }
    if (linux_tx_chars(s, false)) {
        s->im |= VPL011_INT_TX;
        lw(s, VPL011_IMSC, s->im);
    }
}

static void linux_rx_chars(struct linux_sim *s)
{
    for (int max = 256; max-- > 0;) {
        if (lr(s, VPL011_FR) & VPL011_FR_RXFE)
            break;
        u32 ch = lr(s, VPL011_DR) | (1u << 16); /* UART_DUMMY_DR_RX */
        assert_int_equal(ch & (VPL011_DR_FE | VPL011_DR_PE | VPL011_DR_BE | VPL011_DR_OE), 0);
        if (s->nrx < sizeof(s->rx))
            s->rx[s->nrx++] = (char)(ch & 0xff);
    }
}

/* pl011_int */
static void linux_isr(struct linux_sim *s)
{
    int pass = 256;
    s->isr_runs++;
    u32 status = lr(s, VPL011_RIS) & s->im;
    assert_true(status != 0); /* no spurious interrupts */
    do {
        lw(s, VPL011_ICR, status & ~(VPL011_INT_TX | VPL011_INT_RT | VPL011_INT_RX));
        if (status & (VPL011_INT_RT | VPL011_INT_RX))
            linux_rx_chars(s);
        if (status & VPL011_INT_TX)
            linux_tx_chars(s, true);
        assert_true(pass-- > 0); /* the handler's loop must terminate well before its limit */
        status = lr(s, VPL011_RIS) & s->im;
    } while (status);
}

/* The GIC: run the handler while the (level-triggered) line is high. */
static void linux_irqs(struct linux_sim *s)
{
    for (int guard = 0; s->r->line; guard++) {
        assert_true(guard < 100);
        linux_isr(s);
    }
}

/* pl011_console_write: polled output with the UART forced on. */
static void linux_console_write(struct linux_sim *s, const char *str)
{
    u32 old_cr = lr(s, VPL011_CR);
    u32 new_cr = (old_cr & ~VPL011_CR_CTSEN) | VPL011_CR_UARTEN | VPL011_CR_TXE;
    lw(s, VPL011_CR, new_cr);
    for (const char *p = str; *p; p++) {
        while (lr(s, VPL011_FR) & VPL011_FR_TXFF)
            ;
        lw(s, VPL011_DR, (u8)*p);
    }
    while (lr(s, VPL011_FR) & VPL011_FR_BUSY)
        ;
    lw(s, VPL011_CR, old_cr);
}

static void linux_open(struct linux_sim *s)
{
    /* pl011_hwinit */
    lw(s, VPL011_ICR,
       VPL011_INT_OE | VPL011_INT_BE | VPL011_INT_PE | VPL011_INT_FE | VPL011_INT_RT | VPL011_INT_RX);
    s->im = lr(s, VPL011_IMSC);
    lw(s, VPL011_IMSC, VPL011_INT_RT | VPL011_INT_RX);
    /* pl011_startup (the IRQ is requested here; the GIC only delivers from now on) */
    lw(s, VPL011_IFLS, VPL011_IFLS_RX(2) | VPL011_IFLS_TX(2));
    u32 cr = lr(s, VPL011_CR) & (VPL011_CR_RTS | VPL011_CR_DTR);
    cr |= VPL011_CR_UARTEN | VPL011_CR_RXE | VPL011_CR_TXE;
    lw(s, VPL011_CR, cr);
    /* pl011_set_termios: 115200 8N1 with FIFOs, UART disabled while changing. */
    u32 old_cr = lr(s, VPL011_CR);
    lw(s, VPL011_CR, 0);
    lw(s, VPL011_FBRD, 1);
    lw(s, VPL011_IBRD, 13);
    lw(s, VPL011_LCR_H, VPL011_LCRH_WLEN_8 | VPL011_LCRH_FEN);
    lw(s, VPL011_CR, old_cr | VPL011_CR_RTS | VPL011_CR_DTR);
    /* pl011_enable_interrupts */
    lw(s, VPL011_ICR, VPL011_INT_RT | VPL011_INT_RX);
    for (int i = 0; i < s->fifosize * 2; i++) {
        if (lr(s, VPL011_FR) & VPL011_FR_RXFE)
            break;
        lr(s, VPL011_DR);
    }
    s->im = VPL011_INT_RT | VPL011_INT_RX;
    lw(s, VPL011_IMSC, s->im);
    linux_irqs(s);
}

static void linux_shutdown(struct linux_sim *s)
{
    /* pl011_disable_interrupts, then the UART stays on for the console. */
    s->im = 0;
    lw(s, VPL011_IMSC, s->im);
    lw(s, VPL011_ICR, 0xffff);
    u32 cr = lr(s, VPL011_CR) & (VPL011_CR_RTS | VPL011_CR_DTR);
    lw(s, VPL011_CR, cr | VPL011_CR_UARTEN | VPL011_CR_TXE);
    lw(s, VPL011_LCR_H, lr(s, VPL011_LCR_H) & ~(VPL011_LCRH_BRK | VPL011_LCRH_FEN));
}

static void run_linux(bool old_tx)
{
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    struct linux_sim s = {.u = &u, .r = &r, .fifosize = 16, .old_tx = old_tx};

    /* earlycon, before the driver probes */
    const char *early = "Booting Linux\n";
    for (const char *p = early; *p; p++) {
        while (rd(&u, VPL011_FR) & VPL011_FR_TXFF)
            ;
        assert_true(vpl011_write(&u, VPL011_DR, 1, (u8)*p));
    }
    /* Typed-ahead input before the port is opened is discarded by the driver's drain. */
    assert_true(vpl011_rx(&u, '?'));
    linux_console_write(&s, "console\n");
    linux_open(&s);
    assert_true(rd(&u, VPL011_FR) & VPL011_FR_RXFE);
    assert_false(r.line);

    const char *out = "Debian GNU/Linux 12 cvisor ttyAMA0\r\n\r\ncvisor login: a line longer than the fifo";
    linux_start_tx(&s, out);
    linux_irqs(&s);
    assert_int_equal(s.xmit_tail, strlen(out));
    assert_false(s.im & VPL011_INT_TX);
    if (old_tx)
        assert_true(s.isr_runs >= 1);

    /* Input typed one byte at a time, each delivered by an interrupt. */
    const char *line = "root\r";
    for (const char *p = line; *p; p++) {
        assert_true(vpl011_rx(&u, *p));
        assert_true(r.line);
        linux_irqs(&s);
        assert_false(r.line);
    }
    /* A paste longer than the FIFO while the guest is not scheduled: the host holds back. */
    const char *paste = "echo 0123456789abcdefghijklmnopqrstuvwxyz\r";
    size_t plen = strlen(paste), pos = 0;
    while (pos < plen) {
        while (pos < plen && vpl011_rx(&u, paste[pos]))
            pos++;
        linux_irqs(&s);
    }
    assert_false(r.line);
    assert_int_equal(s.nrx, strlen(line) + plen);
    assert_memory_equal(s.rx, line, strlen(line));
    assert_memory_equal(s.rx + strlen(line), paste, plen);

    /* Echo, then a console message: interrupt-driven and polled output share the UART. */
    linux_start_tx(&s, "root\r\n");
    linux_irqs(&s); /* the line is level-triggered: the handler runs as soon as TXIM is set */
    linux_console_write(&s, "[ 1.0] msg\n");
    linux_irqs(&s);
    linux_shutdown(&s);
    linux_console_write(&s, "bye\n");
    assert_false(r.line);

    char want[512];
    size_t n = 0;
    const char *parts[] = {early, "console\n", out, "root\r\n", "[ 1.0] msg\n", "bye\n"};
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
        memcpy(want + n, parts[i], strlen(parts[i]));
        n += strlen(parts[i]);
    }
    assert_int_equal(r.ntx, n);
    assert_memory_equal(r.tx, want, n);
    check_irq_log(&u, &r);
}

static void linux_driver_sequence(void **state)
{
    (void)state;
    run_linux(false);
}

static void linux_old_driver_tx_irq(void **state)
{
    (void)state;
    run_linux(true);
}

/* Random register traffic: never crashes, invariants hold, set_irq only on changes. */
static void random_traffic(void **state)
{
    (void)state;
    struct vpl011 u;
    struct rec r;
    setup(&u, &r);
    u64 seed = 0x9e3779b97f4a7c15ull;
    static const u64 offs[] = {VPL011_DR,   VPL011_RSR,   VPL011_FR,  VPL011_ILPR,  VPL011_IBRD,
                               VPL011_FBRD, VPL011_LCR_H, VPL011_CR,  VPL011_IFLS,  VPL011_IMSC,
                               VPL011_RIS,  VPL011_MIS,   VPL011_ICR, VPL011_DMACR, 0xfe0,
                               0xffc,       0x1,          0xfff,      0x1000,       0x44};
    static const u8 widths[] = {1, 2, 4, 8, 3};
    for (int i = 0; i < 200000; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        u64 x = seed >> 11;
        u64 off = offs[x % ARRAY_SIZE(offs)];
        u8 w = widths[(x >> 8) % ARRAY_SIZE(widths)];
        u64 val = x >> 16;
        switch ((x >> 5) % 4) {
        case 0: {
            u64 v = 0;
            vpl011_read(&u, off, w, &v);
            assert_true(w >= 4 || v < (1ull << (8 * w)));
            break;
        }
        case 1:
            /* Keep loopback off most of the time so host input has a chance. */
            if (off == VPL011_CR && (val & 3))
                val &= ~(u64)VPL011_CR_LBE;
            vpl011_write(&u, off, w, val);
            break;
        default: {
            size_t space = vpl011_rx_space(&u);
            assert_int_equal(vpl011_rx(&u, (char)val), space > 0);
            break;
        }
        }
        assert_true(u.rx_count <= VPL011_FIFO);
        u32 fr = rd(&u, VPL011_FR);
        assert_int_equal(!!(fr & VPL011_FR_RXFE), u.rx_count == 0);
        assert_false(fr & (VPL011_FR_TXFF | VPL011_FR_BUSY));
        assert_int_equal(r.line, (rd(&u, VPL011_RIS) & rd(&u, VPL011_IMSC)) != 0);
    }
    check_irq_log(&u, &r);
    assert_true(r.nirq > 100);
}

/* The exit vector's fast path: FR read like vpl011_read; a DR or CR write taken only when it
 * changes no interrupt line and no input acceptance, with the same effect as vpl011_write;
 * everything else declined with nothing changed. */
static void fast_path(void **state)
{
    (void)state;
    struct vpl011 u, ref;
    struct rec r, rr;
    setup(&u, &r);
    u64 v = 0;
    assert_true(vpl011_fast_read(&u, VPL011_FR, 4, &v));
    assert_int_equal(v, rd(&u, VPL011_FR));
    assert_true(vpl011_rx(&u, 'x'));
    assert_true(vpl011_fast_read(&u, VPL011_FR, 2, &v));
    assert_int_equal(v, rd(&u, VPL011_FR) & 0xffff);
    assert_false(vpl011_fast_read(&u, VPL011_DR, 4, &v)); /* pops: full path */
    assert_false(vpl011_fast_read(&u, VPL011_FR, 8, &v));
    assert_false(vpl011_fast_read(&u, VPL011_FR + 1, 1, &v));
    /* DR with TXIM masked: transmitted, RIS latched, line low. */
    assert_true(vpl011_fast_write(&u, VPL011_DR, 4, 'a'));
    assert_int_equal(r.ntx, 1);
    assert_int_equal(r.tx[0], 'a');
    assert_true(rd(&u, VPL011_RIS) & VPL011_INT_TX);
    /* CR: UARTEN/TXE toggled like Linux's console, RXE and LBE kept: served. */
    u32 cr = rd(&u, VPL011_CR);
    assert_true(vpl011_fast_write(&u, VPL011_CR, 4, cr | 1u));
    assert_int_equal(rd(&u, VPL011_CR), (cr | 1u) & 0xff87u);
    assert_false(vpl011_fast_write(&u, VPL011_CR, 4, cr & ~VPL011_CR_RXE)); /* input acceptance */
    assert_false(vpl011_fast_write(&u, VPL011_CR, 4, cr | VPL011_CR_LBE));
    assert_int_equal(rd(&u, VPL011_CR), (cr | 1u) & 0xff87u);
    assert_false(vpl011_fast_write(&u, VPL011_IMSC, 4, VPL011_INT_TX)); /* only DR and CR */
    /* TXIM set and the line low: the byte would raise it, so declined and nothing sent. */
    wr(&u, VPL011_IMSC, VPL011_INT_TX);
    wr(&u, VPL011_ICR, VPL011_INT_ALL);
    assert_false(r.line);
    assert_false(vpl011_fast_write(&u, VPL011_DR, 4, 'b'));
    assert_int_equal(r.ntx, 1);
    assert_int_equal(rd(&u, VPL011_RIS) & VPL011_INT_TX, 0);
    /* ... and with the line already high it is served, with no set_irq call. */
    wr(&u, VPL011_DR, 'b');
    assert_true(r.line);
    size_t n = r.nirq;
    assert_true(vpl011_fast_write(&u, VPL011_DR, 1, 'c'));
    assert_int_equal(r.nirq, n);
    assert_int_equal(r.ntx, 3);
    /* Loopback: declined. */
    wr(&u, VPL011_CR, rd(&u, VPL011_CR) | VPL011_CR_LBE);
    assert_false(vpl011_fast_write(&u, VPL011_DR, 4, 'd'));
    assert_int_equal(r.ntx, 3);
    check_irq_log(&u, &r);
    /* A served write leaves the state exactly as vpl011_write leaves it. */
    setup(&u, &r);
    setup(&ref, &rr);
    ref.host.ctx = &rr;
    for (int i = 0; i < 3; i++) {
        assert_true(vpl011_fast_write(&u, VPL011_DR, 4, 'p' + i));
        wr(&ref, VPL011_DR, 'p' + i);
    }
    assert_true(vpl011_fast_write(&u, VPL011_CR, 2, 0x301));
    wr(&ref, VPL011_CR, 0x301);
    assert_memory_equal(&u.rx_fifo, &ref.rx_fifo, sizeof(u) - offsetof(struct vpl011, rx_fifo));
    assert_int_equal(r.ntx, rr.ntx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_registers),
        cmocka_unit_test(reset_values),
        cmocka_unit_test(tx_reaches_callback),
        cmocka_unit_test(fr_flags_with_fifo),
        cmocka_unit_test(fr_flags_without_fifo),
        cmocka_unit_test(rx_gated_by_rxe_and_loopback),
        cmocka_unit_test(irq_rx_level_and_timeout),
        cmocka_unit_test(irq_fifo_disabled),
        cmocka_unit_test(irq_tx),
        cmocka_unit_test(access_rules),
        cmocka_unit_test(linux_driver_sequence),
        cmocka_unit_test(linux_old_driver_tx_irq),
        cmocka_unit_test(random_traffic),
        cmocka_unit_test(fast_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
