/* Decoding of a stage-2 data abort from a lower EL (ESR_EL2 EC 0x24), shared by the exit vector's
 * fast MMIO read (vcpu_arch_fast_abort) and the full exit path (decode_data_abort). Pure: no
 * system register access, so the host unit tests and fuzzers run it on any value. */
#ifndef ARCH_DABT_H
#define ARCH_DABT_H

#include <lib/types.h>

#define DABT_EC_LOW 0x24u
#define DABT_ISV (1u << 24)
#define DABT_SSE (1u << 21)
#define DABT_SF (1u << 15)
#define DABT_S1PTW (1u << 7)
#define DABT_WNR (1u << 6)

struct dabt {
    u64 ipa;     /* the faulting guest-physical address (HPFAR_EL2's page, FAR_EL2's offset), < 2^52 */
    u32 dfsc;    /* fault status code */
    bool valid;  /* ISV: the syndrome describes the access (width, register) */
    bool write;
    bool s1ptw;  /* on the guest's own page-table walk, not its access */
    bool sign;   /* sign-extending load */
    bool sf;     /* 64-bit destination register */
    u8 width;    /* bytes: 1, 2, 4 or 8 (when valid) */
    u8 reg;      /* Rt, 31 = the zero register (when valid) */
};

/* esr: a data abort from a lower EL (EC DABT_EC_LOW, which the caller has checked). */
static inline void dabt_decode(u64 esr, u64 far, u64 hpfar, struct dabt *d)
{
    u32 iss = (u32)esr & 0x1ffffff;
    d->ipa = ((hpfar & 0xffffffffff0ull) << 8) | (far & 0xfff); /* HPFAR_EL2.FIPA: [43:4] */
    d->dfsc = iss & 0x3f;
    d->valid = iss & DABT_ISV;
    d->write = iss & DABT_WNR;
    d->s1ptw = iss & DABT_S1PTW;
    d->sign = iss & DABT_SSE;
    d->sf = iss & DABT_SF;
    d->width = (u8)(1u << ((iss >> 22) & 3));
    d->reg = (iss >> 16) & 0x1f;
}

/* A translation fault (no stage-2 entry at any level). */
static inline bool dabt_translation_fault(const struct dabt *d)
{
    return (d->dfsc & 0x3c) == 0x04;
}

/* The register value of a load of d->width bytes that read v: zero- or sign-extended as the
 * instruction asks, and cut to 32 bits for a W destination. */
static inline u64 dabt_load_value(const struct dabt *d, u64 v)
{
    unsigned bits = d->width * 8u;
    if (bits < 64) {
        v &= (1ull << bits) - 1;
        if (d->sign && (v >> (bits - 1)) & 1)
            v |= ~0ull << bits;
    }
    return d->sf ? v : v & 0xffffffffull;
}

#endif
