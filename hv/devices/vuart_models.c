/* The console UART models of <hv/vuart.h>: the PL011 and NS16550 register files behind one
 * interface. */
#include <hv/vns16550.h>
#include <hv/vpl011.h>
#include <hv/vuart.h>

static void pl011_init(void *u, const struct vuart_host *h)
{
    struct vpl011_host host = {h->tx, h->set_irq, h->ctx};
    vpl011_init(u, &host);
}
static bool pl011_read(void *u, u64 off, u8 width, u64 *val) { return vpl011_read(u, off, width, val); }
static bool pl011_write(void *u, u64 off, u8 width, u64 val) { return vpl011_write(u, off, width, val); }
static bool pl011_rx(void *u, char c) { return vpl011_rx(u, c); }
static size_t pl011_rx_space(const void *u) { return vpl011_rx_space(u); }
static bool pl011_fast_read(const void *u, u64 off, u8 width, u64 *val) { return vpl011_fast_read(u, off, width, val); }
static bool pl011_fast_write(void *u, u64 off, u8 width, u64 val) { return vpl011_fast_write(u, off, width, val); }

const struct vuart_model vpl011_console_model = {
    "vpl011", VDEV_SPACE_MMIO, VPL011_SIZE, sizeof(struct vpl011), pl011_init, pl011_read, pl011_write, pl011_rx,
    pl011_rx_space, NULL, pl011_fast_read, pl011_fast_write,
};

static void ns16550_init(void *u, const struct vuart_host *h)
{
    struct vns16550_host host = {h->tx, h->set_irq, h->ctx};
    vns16550_init(u, &host);
}
static bool ns16550_read(void *u, u64 off, u8 width, u64 *val) { return vns16550_read(u, off, width, val); }
static bool ns16550_write(void *u, u64 off, u8 width, u64 val) { return vns16550_write(u, off, width, val); }
static bool ns16550_rx(void *u, char c) { return vns16550_rx(u, c); }
static size_t ns16550_rx_space(const void *u) { return vns16550_rx_space(u); }
static int ns16550_getc(void *u) { return vns16550_getc(u); }

const struct vuart_model vns16550_console_model = {
    "vns16550", VDEV_SPACE_PIO, VNS16550_REGS, sizeof(struct vns16550), ns16550_init, ns16550_read, ns16550_write,
    ns16550_rx, ns16550_rx_space, ns16550_getc, NULL, NULL,
};

/* The same 16550 over MMIO with one-byte registers (reg-shift 0), as on QEMU's riscv64 virt. */
const struct vuart_model vns16550_mmio_console_model = {
    "vns16550", VDEV_SPACE_MMIO, VNS16550_REGS, sizeof(struct vns16550), ns16550_init, ns16550_read, ns16550_write,
    ns16550_rx, ns16550_rx_space, ns16550_getc, NULL, NULL,
};
