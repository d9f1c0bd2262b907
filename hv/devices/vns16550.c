/* Emulated NS16550A UART (<hv/vns16550.h>). Like the PL011 model, it uses no CPU facility, only
 * its host callbacks, so it belongs to no architecture. */
#include <hv/vns16550.h>
#include <lib/string.h>

static u8 iir(const struct vns16550 *u)
{
    if ((u->ier & VNS16550_IER_RDI) && u->rx_count)
        return VNS16550_IIR_RDI;
    if ((u->ier & VNS16550_IER_THRI) && u->thri_latch)
        return VNS16550_IIR_THRI;
    return VNS16550_IIR_NONE;
}

/* The line is the interrupt identification's "pending", gated by OUT2 as a PC's board wires it. */
static void update_irq(struct vns16550 *u)
{
    bool level = iir(u) != VNS16550_IIR_NONE && (u->mcr & VNS16550_MCR_OUT2);
    if (level != u->irq_level) {
        u->irq_level = level;
        if (u->host.set_irq)
            u->host.set_irq(u->host.ctx, level);
    }
}

void vns16550_init(struct vns16550 *u, const struct vns16550_host *host)
{
    memset(u, 0, sizeof(*u));
    if (host)
        u->host = *host;
    u->dll = 12; /* 9600 baud, as firmware leaves it */
}

bool vns16550_rx(struct vns16550 *u, char c)
{
    if (u->rx_count >= VNS16550_FIFO) {
        u->lsr_oe = true;
        return false;
    }
    u->rx_fifo[(u->rx_head + u->rx_count) % VNS16550_FIFO] = (u8)c;
    u->rx_count++;
    update_irq(u);
    return true;
}

size_t vns16550_rx_space(const struct vns16550 *u) { return VNS16550_FIFO - u->rx_count; }

int vns16550_getc(struct vns16550 *u)
{
    if (!u->rx_count)
        return -1;
    u8 c = u->rx_fifo[u->rx_head];
    u->rx_head = (u8)((u->rx_head + 1) % VNS16550_FIFO);
    u->rx_count--;
    update_irq(u);
    return c;
}

bool vns16550_read(struct vns16550 *u, u64 reg, u8 width, u64 *value)
{
    if (width != 1 || reg >= VNS16550_REGS)
        return false;
    bool dlab = u->lcr & VNS16550_LCR_DLAB;
    u8 v = 0;
    switch (reg) {
    case VNS16550_RBR:
        if (dlab) {
            v = u->dll;
        } else if (u->rx_count) {
            v = u->rx_fifo[u->rx_head];
            u->rx_head = (u8)((u->rx_head + 1) % VNS16550_FIFO);
            u->rx_count--;
        }
        break;
    case VNS16550_IER:
        v = dlab ? u->dlm : u->ier;
        break;
    case VNS16550_IIR:
        v = iir(u) | ((u->fcr & VNS16550_FCR_ENABLE) ? VNS16550_IIR_FIFO : 0);
        if (iir(u) == VNS16550_IIR_THRI)
            u->thri_latch = false; /* reading IIR with THRI the cause clears it */
        break;
    case VNS16550_LCR:
        v = u->lcr;
        break;
    case VNS16550_MCR:
        v = u->mcr;
        break;
    case VNS16550_LSR:
        v = VNS16550_LSR_THRE | VNS16550_LSR_TEMT | (u->rx_count ? VNS16550_LSR_DR : 0) |
            (u->lsr_oe ? VNS16550_LSR_OE : 0);
        u->lsr_oe = false;
        break;
    case VNS16550_MSR:
        /* Loopback wires OUT2/OUT1/RTS/DTR to DCD/RI/CTS/DSR; otherwise a connected terminal
         * (CTS, DSR, DCD). */
        if (u->mcr & VNS16550_MCR_LOOP)
            v = (u8)(((u->mcr & 0x1) << 5) | ((u->mcr & 0x2) << 3) | ((u->mcr & 0x4) << 4) | ((u->mcr & 0x8) << 4));
        else
            v = 0xb0;
        break;
    case VNS16550_SCR:
        v = u->scr;
        break;
    }
    *value = v;
    update_irq(u);
    return true;
}

bool vns16550_write(struct vns16550 *u, u64 reg, u8 width, u64 value)
{
    if (width != 1 || reg >= VNS16550_REGS)
        return false;
    bool dlab = u->lcr & VNS16550_LCR_DLAB;
    u8 v = (u8)value;
    switch (reg) {
    case VNS16550_RBR:
        if (dlab) {
            u->dll = v;
        } else {
            if (u->mcr & VNS16550_MCR_LOOP)
                vns16550_rx(u, (char)v);
            else if (u->host.tx)
                u->host.tx(u->host.ctx, (char)v);
            u->thri_latch = true; /* sent at once: the holding register is empty again */
        }
        break;
    case VNS16550_IER:
        if (dlab) {
            u->dlm = v;
        } else {
            /* Enabling THRI with the holding register empty raises it at once. */
            if ((v & VNS16550_IER_THRI) && !(u->ier & VNS16550_IER_THRI))
                u->thri_latch = true;
            u->ier = v & 0x0f;
        }
        break;
    case VNS16550_IIR: /* FCR */
        u->fcr = v & (VNS16550_FCR_ENABLE | 0xc0);
        if (v & VNS16550_FCR_CLEAR_RX)
            u->rx_count = u->rx_head = 0;
        break;
    case VNS16550_LCR:
        u->lcr = v;
        break;
    case VNS16550_MCR:
        u->mcr = v & 0x1f;
        break;
    case VNS16550_LSR:
    case VNS16550_MSR:
        break; /* read-only (factory test writes are ignored) */
    case VNS16550_SCR:
        u->scr = v;
        break;
    }
    update_irq(u);
    return true;
}
