/* Decoding a trapped load or store (RISC-V unprivileged spec, RV64I and RVC; privileged spec 8.6.3
 * for htinst's transformed instructions). Pure logic: also built for host unit tests and fuzzing. */
#include <arch/mmio_decode.h>

#define OP_LOAD 0x03u
#define OP_STORE 0x23u

unsigned riscv_insn_len(u16 lo)
{
    if ((lo & 3) != 3)
        return 2;
    return (lo & 0x1c) != 0x1c ? 4 : 0;
}

static bool decode32(u32 insn, struct riscv_mmio_insn *out)
{
    u32 opcode = insn & 0x7f, funct3 = (insn >> 12) & 7;
    if (opcode == OP_LOAD) {
        /* LB LH LW LD LBU LHU LWU (funct3 7 is reserved) */
        if (funct3 == 7)
            return false;
        out->width = (u8)(1u << (funct3 & 3));
        out->sign = !(funct3 & 4) && funct3 != 3;
        out->write = false;
        out->reg = (u8)((insn >> 7) & 0x1f);
        return true;
    }
    if (opcode == OP_STORE) {
        if (funct3 > 3) /* SB SH SW SD */
            return false;
        out->width = (u8)(1u << funct3);
        out->sign = false;
        out->write = true;
        out->reg = (u8)((insn >> 20) & 0x1f);
        return true;
    }
    return false;
}

/* RVC quadrant 0 (C.LW, C.LD, C.SW, C.SD: registers x8..x15) and quadrant 2 (the sp-relative
 * C.LWSP, C.LDSP, C.SWSP, C.SDSP). C.FLD/C.FSD and friends are floating point: not emulated. */
static bool decode16(u16 insn, struct riscv_mmio_insn *out)
{
    u32 q = insn & 3, funct3 = (insn >> 13) & 7;
    out->sign = false;
    if (q == 0) {
        u8 rd_rs2 = (u8)(8 + ((insn >> 2) & 7));
        switch (funct3) {
        case 2: out->width = 4; out->write = false; out->sign = true; break; /* C.LW */
        case 3: out->width = 8; out->write = false; break;                   /* C.LD */
        case 6: out->width = 4; out->write = true; break;                    /* C.SW */
        case 7: out->width = 8; out->write = true; break;                    /* C.SD */
        default: return false;
        }
        out->reg = rd_rs2;
        return true;
    }
    if (q == 2) {
        u8 rd = (u8)((insn >> 7) & 0x1f), rs2 = (u8)((insn >> 2) & 0x1f);
        switch (funct3) {
        case 2: /* C.LWSP (rd = 0 reserved) */
            if (!rd)
                return false;
            out->width = 4; out->write = false; out->sign = true; out->reg = rd;
            return true;
        case 3: /* C.LDSP */
            if (!rd)
                return false;
            out->width = 8; out->write = false; out->reg = rd;
            return true;
        case 6: out->width = 4; out->write = true; out->reg = rs2; return true; /* C.SWSP */
        case 7: out->width = 8; out->write = true; out->reg = rs2; return true; /* C.SDSP */
        default: return false;
        }
    }
    return false;
}

bool riscv_mmio_decode(u32 insn, unsigned len, struct riscv_mmio_insn *out)
{
    if (len == 2 && riscv_insn_len((u16)insn) == 2 && decode16((u16)insn, out)) {
        out->len = 2;
        return true;
    }
    if (len == 4 && riscv_insn_len((u16)insn) == 4 && decode32(insn, out)) {
        out->len = 4;
        return true;
    }
    return false;
}

bool riscv_mmio_decode_htinst(u64 htinst, struct riscv_mmio_insn *out)
{
    if (!(htinst & 1) || htinst >> 32)
        return false; /* 0: not provided; pseudoinstructions and custom values: not a load/store */
    /* A transformed instruction: a 32-bit load or store with bit 1 telling the original's size. */
    if (!decode32((u32)htinst | 2u, out))
        return false;
    out->len = (htinst & 2) ? 4 : 2;
    return true;
}

bool riscv_htinst_is_walk(u64 htinst)
{
    /* 32- and 64-bit reads (0x2000, 0x3000) and writes (0x2020, 0x3020) of a VS-stage PTE. */
    return htinst == 0x2000 || htinst == 0x3000 || htinst == 0x2020 || htinst == 0x3020;
}
