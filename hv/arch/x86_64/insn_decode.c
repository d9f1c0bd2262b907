/* Software decoder of the MOV forms guests use on devices (<arch/insn_decode.h>). Facts from the
 * AMD64 APM vol. 3 (instruction formats, ModRM/SIB, REX, legacy prefixes). */
#include <arch/insn_decode.h>
#include <lib/string.h>

struct cursor {
    const u8 *p;
    size_t avail, pos;
    bool bad;
};

static u8 next(struct cursor *c)
{
    if (c->pos >= c->avail || c->pos >= X86_INSN_MAX) {
        c->bad = true;
        return 0;
    }
    return c->p[c->pos++];
}

static u64 next_n(struct cursor *c, unsigned n)
{
    u64 v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (u64)next(c) << (8 * i);
    return v;
}

static u64 sext(u64 v, unsigned bytes)
{
    if (bytes >= 8)
        return v;
    unsigned bits = bytes * 8;
    v &= (1ull << bits) - 1;
    return (v >> (bits - 1)) & 1 ? v | (~0ull << bits) : v;
}

/* Skips the memory operand's SIB and displacement after a ModRM byte; false for a register
 * operand (mod 3), which is no memory access at all. */
static bool skip_modrm_memory(struct cursor *c, u8 modrm, unsigned addr_size)
{
    u8 mod = modrm >> 6, rm = modrm & 7;
    if (mod == 3)
        return false;
    if (addr_size == 2) { /* 16-bit addressing: no SIB; [disp16] is mod 0, rm 6 */
        if (mod == 1)
            next(c);
        else if (mod == 2 || (mod == 0 && rm == 6))
            next_n(c, 2);
        return true;
    }
    if (rm == 4) { /* SIB; base 5 with mod 0 means disp32 without base */
        u8 sib = next(c);
        if (mod == 0 && (sib & 7) == 5)
            next_n(c, 4);
    }
    if (mod == 1)
        next(c);
    else if (mod == 2 || (mod == 0 && rm == 5)) /* mod 0, rm 5: disp32 (RIP-relative in 64-bit mode) */
        next_n(c, 4);
    return true;
}

int x86_decode_mmio(const u8 *bytes, size_t avail, struct x86_cpu_mode mode, struct x86_mmio_insn *out)
{
    struct cursor c = {bytes, avail, 0, false};
    bool opsize = false, addrsize = false;
    u8 rex = 0, op;
    memset(out, 0, sizeof(*out));
    /* Legacy prefixes, in any order; a REX prefix counts only right before the opcode. */
    for (;;) {
        op = next(&c);
        if (c.bad)
            return -1;
        if (op == 0x66)
            opsize = true;
        else if (op == 0x67)
            addrsize = true;
        else if (op == 0x2e || op == 0x36 || op == 0x3e || op == 0x26 || op == 0x64 || op == 0x65 || op == 0xf0)
            ; /* segment overrides (flat segments here), LOCK */
        else if (op == 0xf2 || op == 0xf3)
            return -1; /* REP forms: string instructions are not MOVs to a device */
        else
            break;
        rex = 0;
    }
    if (mode.long64 && (op & 0xf0) == 0x40) {
        rex = op;
        op = next(&c);
        if (c.bad || (op & 0xf0) == 0x40 || op == 0x66 || op == 0x67)
            return -1; /* a second REX, or a prefix after REX */
    }
    bool rex_w = rex & 8, rex_r = rex & 4;
    unsigned osize = rex_w ? 8 : (mode.long64 || mode.default32) != opsize ? 4 : 2;
    unsigned asize = mode.long64 ? (addrsize ? 4 : 8) : mode.default32 != addrsize ? 4 : 2;

    bool two_byte = false;
    if (op == 0x0f) {
        two_byte = true;
        op = next(&c);
        if (c.bad)
            return -1;
    }
    u8 modrm = 0;
    unsigned reg = 0;
    bool byte_op = false;
    if (!two_byte && op >= 0xa0 && op <= 0xa3) {
        /* MOV AL/eAX <-> moffs: the address is an immediate of the address size. */
        next_n(&c, asize);
        byte_op = !(op & 1);
        out->write = op >= 0xa2;
        out->width = byte_op ? 1 : (u8)osize;
        out->reg = 0;
        out->reg_width = out->width;
    } else {
        bool movx = two_byte && (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf);
        bool known = movx || (!two_byte && (op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b || op == 0xc6 ||
                                            op == 0xc7 || (op == 0x63 && mode.long64)));
        if (!known)
            return -1;
        modrm = next(&c);
        if (c.bad || !skip_modrm_memory(&c, modrm, asize) || c.bad)
            return -1;
        reg = ((modrm >> 3) & 7) | (rex_r ? 8 : 0);
        if (movx) {
            out->width = (op & 1) ? 2 : 1;
            out->sign = op >= 0xbe;
            out->reg_width = (u8)osize;
            out->reg = (u8)reg;
        } else if (op == 0x63) { /* MOVSXD r64, r/m32 (without REX.W: a plain 32-bit move) */
            out->width = osize == 2 ? 2 : 4;
            out->sign = osize == 8;
            out->reg_width = (u8)osize;
            out->reg = (u8)reg;
        } else if (op == 0xc6 || op == 0xc7) {
            if ((modrm >> 3) & 7)
                return -1; /* only /0 is MOV */
            byte_op = op == 0xc6;
            out->width = byte_op ? 1 : (u8)osize;
            out->write = true;
            out->has_imm = true;
            unsigned isize = out->width > 4 ? 4 : out->width; /* imm32 sign-extended to 64 */
            out->imm = sext(next_n(&c, isize), isize);
            if (out->width < 8)
                out->imm &= (1ull << (8 * out->width)) - 1;
        } else {
            byte_op = !(op & 1);
            out->write = op == 0x88 || op == 0x89;
            out->width = byte_op ? 1 : (u8)osize;
            out->reg_width = out->width;
            out->reg = (u8)reg;
        }
    }
    if (c.bad)
        return -1;
    /* Byte registers 4-7 without any REX prefix are AH, CH, DH, BH. */
    if (byte_op && !out->has_imm && !rex && out->reg >= 4 && out->reg < 8) {
        out->high8 = true;
        out->reg -= 4;
    }
    out->len = (u8)c.pos;
    return 0;
}

u64 x86_mmio_load_result(const struct x86_mmio_insn *in, u64 old, u64 value)
{
    unsigned w = in->width;
    if (w < 8)
        value &= (1ull << (8 * w)) - 1;
    if (in->sign)
        value = sext(value, w);
    if (in->high8)
        return (old & ~0xff00ull) | ((value & 0xff) << 8);
    switch (in->reg_width) {
    case 1: return (old & ~0xffull) | (value & 0xff);
    case 2: return (old & ~0xffffull) | (value & 0xffff);
    case 4: return value & 0xffffffffull;
    default: return value;
    }
}

u64 x86_mmio_store_value(const struct x86_mmio_insn *in, u64 regval)
{
    if (in->has_imm)
        return in->imm;
    u64 v = in->high8 ? (regval >> 8) & 0xff : regval;
    return in->width < 8 ? v & ((1ull << (8 * in->width)) - 1) : v;
}

int x86_decode_string_io(const u8 *bytes, size_t avail, struct x86_cpu_mode mode, struct x86_string_io *out)
{
    struct cursor c = {bytes, avail, 0, false};
    bool opsize = false, addrsize = false;
    u8 op;
    memset(out, 0, sizeof(*out));
    out->seg = X86_SEG_DS;
    for (;;) { /* legacy prefixes in any order; the last segment override counts */
        op = next(&c);
        if (c.bad)
            return -1;
        if (op == 0x66)
            opsize = true;
        else if (op == 0x67)
            addrsize = true;
        else if (op == 0xf2 || op == 0xf3)
            out->rep = true;
        else if (op == 0x26)
            out->seg = X86_SEG_ES;
        else if (op == 0x2e)
            out->seg = X86_SEG_CS;
        else if (op == 0x36)
            out->seg = X86_SEG_SS;
        else if (op == 0x3e)
            out->seg = X86_SEG_DS;
        else if (op == 0x64)
            out->seg = X86_SEG_FS;
        else if (op == 0x65)
            out->seg = X86_SEG_GS;
        else if (op == 0xf0)
            return -1; /* LOCK: #UD on INS/OUTS, not an I/O */
        else
            break;
    }
    if (mode.long64 && (op & 0xf0) == 0x40) { /* REX: nothing here uses it */
        op = next(&c);
        if (c.bad)
            return -1;
    }
    if (op < 0x6c || op > 0x6f)
        return -1;
    out->len = (u8)c.pos;
    out->in = op < 0x6e;
    out->width = !(op & 1) ? 1 : (mode.long64 || mode.default32) != opsize ? 4 : 2;
    out->addr_size = mode.long64 ? (addrsize ? 4 : 8) : mode.default32 != addrsize ? 4 : 2;
    if (out->in)
        out->seg = X86_SEG_ES;
    return 0;
}
