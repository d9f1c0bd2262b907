/* String port I/O (<arch/pio_string.h>). Semantics from the AMD64 APM vol. 3 (INS, OUTS, REP):
 * each element moves between the port and [segment base + rSI/rDI], the pointer then steps by
 * the element size (down with RFLAGS.DF), and with REP rCX counts the elements down to 0; rSI,
 * rDI and rCX are used and updated at the address size (16- and 32-bit updates keep the other
 * bits; in 64-bit mode a 32-bit one clears bits 63:32, as any 32-bit register write does). */
#include <arch/guest_linear.h>
#include <arch/pio_string.h>
#include <base/log.h>
#include <hv/vcpu_exit.h>
#include <hv/vm.h>
#include <base/page_alloc.h>
#include <lib/string.h>

#define RFLAGS_DF (1ull << 10)

static u64 rget(struct vcpu *v, unsigned r) { return x86_vendor->gpr_get(v, r); }
static void rset(struct vcpu *v, unsigned r, u64 val) { x86_vendor->gpr_set(v, r, val); }

/* A pointer or count register written back at the address size. */
static void set_sized(struct vcpu *v, unsigned r, u64 val, unsigned addr_size)
{
    if (addr_size == 8)
        rset(v, r, val);
    else if (addr_size == 4)
        rset(v, r, val & 0xffffffffull);
    else
        rset(v, r, (rget(v, r) & ~0xffffull) | (val & 0xffff));
}

static u64 segment_base(struct vcpu *v, enum x86_seg seg, bool long64)
{
    static const enum x86_state base[] = {X86_ES_BASE, X86_CS_BASE, X86_SS_BASE, X86_DS_BASE, X86_FS_BASE,
                                          X86_GS_BASE};
    if (long64 && seg != X86_SEG_FS && seg != X86_SEG_GS)
        return 0; /* 64-bit mode: only FS and GS have a base */
    return x86_vendor->get(v, base[seg]);
}

/* Copies one element between buf and the guest's memory at linear la (it may straddle two
 * pages); false, with the faulting guest-physical (or linear) address, when any byte is not the
 * VM's RAM. */
static bool guest_copy(struct vcpu *v, u64 la, u8 *buf, unsigned width, bool to_guest, bool long64, u64 *bad)
{
    unsigned done = 0;
    while (done < width) {
        u64 at = long64 ? la + done : (u32)(la + done);
        unsigned chunk = (unsigned)MIN((u64)(width - done), PAGE_SIZE - (at & (PAGE_SIZE - 1)));
        u64 gpa = 0;
        u8 *p = x86_guest_linear_ptr(v, at, chunk, &gpa);
        if (!p) {
            *bad = gpa ? gpa : at;
            return false;
        }
        if (to_guest)
            memcpy(p, buf + done, chunk);
        else
            memcpy(buf + done, p, chunk);
        done += chunk;
    }
    return true;
}

void x86_pio_string(struct vcpu *v, const struct x86_exit *e, const u8 *insn, size_t n, struct x86_cpu_mode mode,
                    struct vcpu_exit *exit)
{
    struct vm *vm = v->vm;
    struct x86_string_io s;
    u64 rip = x86_vendor->get(v, X86_RIP);
    u64 len = e->io.next_rip - rip;
    if (x86_decode_string_io(insn, n, mode, &s) != 0 || s.in != e->io.in || s.width != e->io.width ||
        (!mode.long64 ? (u32)len : len) != s.len) {
        vcpu_exit_fault(exit, 0, false, "string port I/O at port %#x: the instruction at RIP is not the %s it exited for",
                        e->io.port, e->io.in ? "INS" : "OUTS");
        return;
    }
    u64 mask = s.addr_size == 8 ? ~0ull : (1ull << (8 * s.addr_size)) - 1;
    unsigned ptr_reg = s.in ? 7 /* RDI */ : 6 /* RSI */, count_reg = 1 /* RCX */;
    u64 ptr = rget(v, ptr_reg) & mask, count = s.rep ? rget(v, count_reg) & mask : 1;
    u64 base = segment_base(v, s.seg, mode.long64);
    u64 step = (x86_vendor->get(v, X86_RFLAGS) & RFLAGS_DF) ? (u64)-s.width : s.width;
    struct vdev *dev = vm_find_pio_vdev(vm, e->io.port);
    u64 batch = MIN(count, (u64)X86_PIO_STRING_BATCH);
    for (u64 i = 0; i < batch; i++) {
        u8 buf[4] = {0};
        u64 la = base + ptr, bad = 0, val = ~0ull;
        if (!mode.long64)
            la = (u32)la;
        /* The memory is checked before the port is touched: a bad operand has no effect on the device. */
        if (!guest_copy(v, la, buf, s.width, false, mode.long64, &bad)) {
            set_sized(v, ptr_reg, ptr, s.addr_size);
            if (s.rep)
                set_sized(v, count_reg, count, s.addr_size);
            static const char *const seg_name[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
            /* (the report goes into a short line: the linear address, and what was left to do) */
            vcpu_exit_fault(exit, bad, false, "%s%s port %#x: memory %s:%#llx outside its RAM, %#llx left",
                            s.rep ? "REP " : "", s.in ? "INS" : "OUTS", e->io.port, seg_name[s.seg],
                            (unsigned long long)la, (unsigned long long)count);
            return;
        }
        if (s.in) {
            if (dev && !dev->ops->read(dev, v, e->io.port - dev->base.val, s.width, &val))
                val = ~0ull; /* no device: all ones, as a PC's bus answers */
            memcpy(buf, &val, s.width);
            guest_copy(v, la, buf, s.width, true, mode.long64, &bad);
        } else if (dev) {
            u64 data = 0;
            memcpy(&data, buf, s.width);
            dev->ops->write(dev, v, e->io.port - dev->base.val, s.width, data);
        }
        ptr = (ptr + step) & mask;
        count--;
        v->stats.mmio++;
        if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING)
            break; /* the device ended or reset the VM (a power-off port): no more */
    }
    set_sized(v, ptr_reg, ptr, s.addr_size);
    if (s.rep)
        set_sized(v, count_reg, count, s.addr_size);
    if (count == 0 || !s.rep) {
        x86_vendor->set(v, X86_RIP, e->io.next_rip);
        x86_vendor->set(v, X86_INT_SHADOW, 0);
    }
    exit->reason = VCPU_EXIT_NONE;
}
