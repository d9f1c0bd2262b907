/* The x86 instructions a guest uses on a device, decoded in software: without decode assists
 * (QEMU's TCG has none), a nested page fault gives only the guest-physical address, so the
 * hypervisor fetches the instruction at the guest's RIP and decodes it to know the access's width,
 * direction, register or immediate, and where the next instruction starts (no next-RIP saving
 * either). The MOV forms to and from memory with all operand sizes, prefixes and addressing
 * modes: 88/89/8A/8B, C6/C7 (immediates), A0-A3 (absolute offsets), 0F B6/B7/BE/BF (zero and
 * sign extension), 63 (MOVSXD). Anything else is refused. Pure logic, host-tested and fuzzed. */
#ifndef ARCH_INSN_DECODE_H
#define ARCH_INSN_DECODE_H

#include <lib/types.h>

#define X86_INSN_MAX 15 /* the architectural limit of an instruction's length */

/* How the CPU decodes at the guest's RIP: 64-bit mode (long mode, CS.L), else legacy/compat
 * mode with CS.D giving 32-bit (true) or 16-bit defaults. */
struct x86_cpu_mode {
    bool long64;
    bool default32;
};

struct x86_mmio_insn {
    u8 len;       /* bytes of the instruction */
    u8 width;     /* bytes of the memory access: 1, 2, 4, 8 */
    bool write;   /* a store to the device */
    bool has_imm; /* store: the value is imm, else register reg */
    u64 imm;      /* store: the immediate, already sign-extended to width */
    u8 reg;       /* register: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15 */
    bool high8;   /* ... the byte register AH, CH, DH or BH: bits 15:8 of register reg */
    u8 reg_width; /* load: bytes written to the register (movzx/movsx: the operand size) */
    bool sign;    /* load: sign-extend the access's value to reg_width (else zero-extend) */
};

/* Decodes the instruction in bytes[0..avail) (avail may be less than 15 near the end of the
 * fetched memory). 0 on success; -1 when it is not one of the forms above, has no memory
 * operand, or is cut short. */
int x86_decode_mmio(const u8 *bytes, size_t avail, struct x86_cpu_mode mode, struct x86_mmio_insn *out);

/* A load's value as the destination register holds it afterwards: the access's `value` extended
 * to reg_width, merged into the register's old value `old` by x86's rules (8- and 16-bit writes
 * keep the other bits, 32-bit ones clear bits 63:32). */
u64 x86_mmio_load_result(const struct x86_mmio_insn *in, u64 old, u64 value);
/* A store's value (width bytes) from the source register's value `regval`. */
u64 x86_mmio_store_value(const struct x86_mmio_insn *in, u64 regval);

/* INS and OUTS (6C/6D, 6E/6F), which an IOIO exit reports without saying where in the guest's
 * memory (no decode assists): their prefixes give the address size of rSI/rDI/rCX, REP, and the
 * segment of OUTS's source. */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS };

struct x86_string_io {
    u8 len;        /* bytes of the instruction */
    bool in;       /* INS (port to memory at ES:rDI), else OUTS (memory at seg:rSI to port) */
    u8 width;      /* 1 (6C/6E), else 2 with an operand-size prefix or 4 (REX.W changes nothing) */
    u8 addr_size;  /* 2, 4 or 8: the size of rSI/rDI and of the count rCX */
    bool rep;      /* F3 (or F2, which the CPU takes as REP here too) */
    enum x86_seg seg; /* OUTS: DS or the override; INS: always ES (no override applies) */
};

/* Decodes INS/OUTS in bytes[0..avail). 0 on success; -1 for anything else or cut short. */
int x86_decode_string_io(const u8 *bytes, size_t avail, struct x86_cpu_mode mode, struct x86_string_io *out);

#endif
