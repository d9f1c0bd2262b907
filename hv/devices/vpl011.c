/* Emulated PL011 UART: register file, RX FIFO, interrupt logic (see docs/vpl011.md).
 * Written from the PL011 Technical Reference Manual (ARM DDI 0183). A device model (hv/devices/):
 * it uses no CPU facility, only its host callbacks, so it belongs to no architecture; which
 * models a VM gets is the architecture's choice (its console UART, its emu_type table). */
#include <hv/vpl011.h>
#include <lib/string.h>

#define CR_MASK 0xff87u /* bits 6:3 are reserved */
#define CR_RESET (VPL011_CR_TXE | VPL011_CR_RXE)
#define IFLS_RESET (VPL011_IFLS_TX(2) | VPL011_IFLS_RX(2))

/* PeriphID0..3 (part 0x011, designer 0x41 'A', revision 1) then PCellID0..3. */
static const u8 id_regs[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static u32 fifo_depth(const struct vpl011 *u)
{
    return (u->lcr_h & VPL011_LCRH_FEN) ? VPL011_FIFO : 1;
}

/* RX trigger level in bytes: IFLS.RXIFLSEL of the 32-entry FIFO, or 1 with the FIFO off.
 * Reserved selector values (5..7) act like the reset value, 1/2. */
static u32 rx_trigger(const struct vpl011 *u)
{
    if (!(u->lcr_h & VPL011_LCRH_FEN))
        return 1;
    switch ((u->ifls >> 3) & 7u) {
    case 0:
        return VPL011_FIFO / 8;
    case 1:
        return VPL011_FIFO / 4;
    case 3:
        return VPL011_FIFO * 3 / 4;
    case 4:
        return VPL011_FIFO * 7 / 8;
    default:
        return VPL011_FIFO / 2;
    }
}

/* Host input is taken only with the receiver on and not looped back. */
static bool rx_accepting(const struct vpl011 *u)
{
    return (u->cr & VPL011_CR_RXE) && !(u->cr & VPL011_CR_LBE);
}

u32 vpl011_ris(const struct vpl011 *u)
{
    if (!u)
        return 0;
    u32 ris = u->ris_latch & VPL011_INT_ALL;
    u32 count = MIN((u32)u->rx_count, (u32)VPL011_FIFO);
    if (count >= rx_trigger(u))
        ris |= VPL011_INT_RX;
    else if (count)
        ris |= VPL011_INT_RT;
    return ris;
}

bool vpl011_irq_level(const struct vpl011 *u)
{
    return u && (vpl011_ris(u) & u->imsc) != 0;
}

static void update_irq(struct vpl011 *u)
{
    bool level = vpl011_irq_level(u);
    if (level == u->irq_level)
        return;
    u->irq_level = level;
    if (u->host.set_irq)
        u->host.set_irq(u->host.ctx, level);
}

/* Also read without the lock (vpl011_fast_read): each field is loaded once, so a racing update
 * gives the flags of the state before or after it, as a status read on hardware would. */
static u32 read_fr(const struct vpl011 *u)
{
    /* TX drains instantly; the modem inputs read as a connected peer (CTS, DSR, DCD on). */
    u32 fr = VPL011_FR_TXFE | VPL011_FR_CTS | VPL011_FR_DSR | VPL011_FR_DCD;
    u32 count = __atomic_load_n(&u->rx_count, __ATOMIC_RELAXED);
    u32 depth = (__atomic_load_n(&u->lcr_h, __ATOMIC_RELAXED) & VPL011_LCRH_FEN) ? VPL011_FIFO : 1;
    if (count == 0)
        fr |= VPL011_FR_RXFE;
    if (count >= depth)
        fr |= VPL011_FR_RXFF;
    return fr;
}

static void push_rx(struct vpl011 *u, u8 c)
{
    u->rx_fifo[(u->rx_head + u->rx_count) % VPL011_FIFO] = c;
    __atomic_store_n(&u->rx_count, (u8)(u->rx_count + 1), __ATOMIC_RELAXED); /* read_fr, unlocked */
}

static u32 pop_rx(struct vpl011 *u)
{
    if (u->rx_count == 0 || u->rx_count > VPL011_FIFO)
        return 0;
    u8 c = u->rx_fifo[u->rx_head % VPL011_FIFO];
    u->rx_head = (u8)((u->rx_head + 1) % VPL011_FIFO);
    __atomic_store_n(&u->rx_count, (u8)(u->rx_count - 1), __ATOMIC_RELAXED);
    return c;
}

static void transmit(struct vpl011 *u, u8 c)
{
    if (u->cr & VPL011_CR_LBE) {
        /* Loopback: the byte goes to our own receiver (dropped while RXE is clear). */
        if (u->cr & VPL011_CR_RXE) {
            if (u->rx_count < fifo_depth(u) && u->rx_count < VPL011_FIFO) {
                push_rx(u, c);
            } else {
                u->rsr |= VPL011_RSR_OE;
                u->ris_latch |= VPL011_INT_OE;
            }
        }
    } else if (u->host.tx) {
        u->host.tx(u->host.ctx, (char)c);
    }
    /* The TX FIFO went from one entry back to empty, at or below any trigger level. */
    u->ris_latch |= VPL011_INT_TX;
}

void vpl011_init(struct vpl011 *u, const struct vpl011_host *host)
{
    if (!u)
        return;
    memset(u, 0, sizeof(*u));
    if (host)
        u->host = *host;
    u->cr = CR_RESET;
    u->ifls = IFLS_RESET;
    /* The TX FIFO starts empty, so the TX interrupt starts pending (masked: IMSC is 0). */
    u->ris_latch = VPL011_INT_TX;
}

/* Widths 1, 2, 4 at a register's (word-aligned) offset inside the page. */
static bool access_ok(u64 offset, u8 width)
{
    return (width == 1 || width == 2 || width == 4) && offset < VPL011_SIZE && (offset & 3) == 0;
}

static u32 width_mask(u8 width)
{
    return width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

bool vpl011_read(struct vpl011 *u, u64 offset, u8 width, u64 *value)
{
    if (!u || !value || !access_ok(offset, width))
        return false;
    u32 v = 0;
    switch (offset) {
    case VPL011_DR:
        v = pop_rx(u);
        update_irq(u);
        break;
    case VPL011_RSR:
        v = u->rsr;
        break;
    case VPL011_FR:
        v = read_fr(u);
        break;
    case VPL011_ILPR:
        v = u->ilpr;
        break;
    case VPL011_IBRD:
        v = u->ibrd;
        break;
    case VPL011_FBRD:
        v = u->fbrd;
        break;
    case VPL011_LCR_H:
        v = u->lcr_h;
        break;
    case VPL011_CR:
        v = u->cr;
        break;
    case VPL011_IFLS:
        v = u->ifls;
        break;
    case VPL011_IMSC:
        v = u->imsc;
        break;
    case VPL011_RIS:
        v = vpl011_ris(u);
        break;
    case VPL011_MIS:
        v = vpl011_ris(u) & u->imsc;
        break;
    case VPL011_DMACR:
        v = u->dmacr;
        break;
    default:
        if (offset >= VPL011_PERIPHID0)
            v = id_regs[(offset - VPL011_PERIPHID0) / 4];
        /* ICR (write-only), reserved and test registers read as zero. */
        break;
    }
    *value = v & width_mask(width);
    return true;
}

static u32 merge(u32 old, u64 value, u32 wmask, u32 regmask);

bool vpl011_fast_read(const struct vpl011 *u, u64 offset, u8 width, u64 *value)
{
    if (offset != VPL011_FR || (width != 4 && width != 2 && width != 1))
        return false;
    *value = read_fr(u); /* (FR's bits all lie in its low byte) */
    return true;
}

bool vpl011_fast_write(struct vpl011 *u, u64 offset, u8 width, u64 value)
{
    if (!access_ok(offset, width))
        return false;
    if (offset == VPL011_CR) {
        /* Linux's console sets UARTEN and TXE around every message: no interrupt or input
         * depends on CR unless RXE or LBE changes (the receiver takes input, vuart_write). */
        u16 cr = (u16)merge(u->cr, value, width_mask(width), CR_MASK);
        if ((cr ^ u->cr) & (VPL011_CR_RXE | VPL011_CR_LBE))
            return false;
        u->cr = cr;
        return true;
    }
    /* transmit() latches TXRIS: the line changes only if TXIM is set and the line is down. */
    if (offset != VPL011_DR || (u->cr & VPL011_CR_LBE) || ((u->imsc & VPL011_INT_TX) && !u->irq_level))
        return false;
    transmit(u, (u8)value);
    return true;
}

/* A narrow write changes only the bytes it covers. */
static u32 merge(u32 old, u64 value, u32 wmask, u32 regmask)
{
    return ((old & ~wmask) | ((u32)value & wmask)) & regmask;
}

bool vpl011_write(struct vpl011 *u, u64 offset, u8 width, u64 value)
{
    if (!u || !access_ok(offset, width))
        return false;
    u32 m = width_mask(width);
    switch (offset) {
    case VPL011_DR:
        transmit(u, (u8)value);
        break;
    case VPL011_RSR: /* ECR: any write clears the error flags */
        u->rsr = 0;
        break;
    case VPL011_ILPR:
        u->ilpr = (u8)merge(u->ilpr, value, m, 0xff);
        break;
    case VPL011_IBRD:
        u->ibrd = (u16)merge(u->ibrd, value, m, 0xffff);
        break;
    case VPL011_FBRD:
        u->fbrd = (u8)merge(u->fbrd, value, m, 0x3f);
        break;
    case VPL011_LCR_H:
        __atomic_store_n(&u->lcr_h, (u8)merge(u->lcr_h, value, m, 0xff), __ATOMIC_RELAXED);
        break;
    case VPL011_CR:
        u->cr = (u16)merge(u->cr, value, m, CR_MASK);
        break;
    case VPL011_IFLS:
        u->ifls = (u8)merge(u->ifls, value, m, 0x3f);
        break;
    case VPL011_IMSC: {
        u16 old = u->imsc;
        u->imsc = (u16)merge(old, value, m, VPL011_INT_ALL);
        /* Unmasking TX re-arms it: a driver that enables TXIM to wait for FIFO space gets its
         * interrupt, since the TX FIFO is always empty. */
        if (!(old & VPL011_INT_TX) && (u->imsc & VPL011_INT_TX))
            u->ris_latch |= VPL011_INT_TX;
        break;
    }
    case VPL011_ICR:
        u->ris_latch &= (u16) ~((u32)value & m & VPL011_INT_ALL);
        break;
    case VPL011_DMACR:
        u->dmacr = (u8)merge(u->dmacr, value, m, 0x7);
        break;
    default:
        /* FR, RIS, MIS, ID registers (read-only), reserved and test registers: ignored. */
        return true;
    }
    update_irq(u);
    return true;
}

bool vpl011_rx(struct vpl011 *u, char c)
{
    if (vpl011_rx_space(u) == 0)
        return false;
    push_rx(u, (u8)c);
    update_irq(u);
    return true;
}

size_t vpl011_rx_space(const struct vpl011 *u)
{
    if (!u || !rx_accepting(u))
        return 0;
    u32 depth = fifo_depth(u);
    return u->rx_count < depth ? depth - u->rx_count : 0;
}
