/* Decoding the load or store behind a guest-page fault (hv/arch/riscv64/mmio_decode.c): pure
 * logic over the instruction's bits, host-testable and fuzzed (tests/unit/hv/arch/riscv64,
 * tests/fuzz). The bits come from htinst when the hart wrote a transformed instruction there,
 * else from the guest's memory (HLVX). */
#ifndef ARCH_MMIO_DECODE_H
#define ARCH_MMIO_DECODE_H

#include <lib/types.h>

struct riscv_mmio_insn {
    u8 width;  /* bytes: 1, 2, 4, 8 */
    bool write;
    bool sign; /* a load that sign-extends */
    u8 reg;    /* rd of a load, rs2 of a store (x0..x31) */
    u8 len;    /* instruction length to step over: 2 or 4 */
};

/* Length of the instruction whose first halfword is lo: 2 (compressed) or 4; 0 for the longer
 * encodings, which no load or store uses. */
unsigned riscv_insn_len(u16 lo);
/* Decodes a guest instruction (len 2: the low halfword of insn; len 4: all of it) that accessed
 * memory: an integer load or store (RV64I, RVC). False for anything else (FP, AMO, LR/SC,
 * vector), which cannot be emulated. */
bool riscv_mmio_decode(u32 insn, unsigned len, struct riscv_mmio_insn *out);
/* Decodes htinst as written on a guest-page fault: 0 (nothing: fetch the instruction), or a
 * transformed load or store (bit 0 set; bit 1 clear when the original was compressed). False
 * when htinst holds nothing usable. */
bool riscv_mmio_decode_htinst(u64 htinst, struct riscv_mmio_insn *out);
/* Whether htinst holds the pseudoinstruction of an implicit access: the hart's own read or
 * write of a guest page-table entry (VS-stage walk), not an access the guest's code made. */
bool riscv_htinst_is_walk(u64 htinst);

#endif
