/* libFuzzer target for the riscv64 MMIO instruction decoder: any 32-bit instruction (as fetched
 * from a guest) and any 64-bit htinst value. Whatever is accepted must describe an access the
 * hypervisor can perform: width 1/2/4/8, a register number below 32, a length of 2 or 4 that
 * matches the encoding; a store never sign-extends. */
#include <stddef.h>
#include <stdint.h>

#include <arch/mmio_decode.h>
#include <lib/string.h>

#define CHECK(c)                                                                                             \
    do {                                                                                                     \
        if (!(c))                                                                                            \
            __builtin_trap();                                                                                \
    } while (0)

static void check(const struct riscv_mmio_insn *d)
{
    CHECK(d->width == 1 || d->width == 2 || d->width == 4 || d->width == 8);
    CHECK(d->reg < 32);
    CHECK(d->len == 2 || d->len == 4);
    CHECK(!(d->write && d->sign));
    CHECK(!(d->sign && d->width == 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u64 v = 0;
    memcpy(&v, data, size < sizeof(v) ? size : sizeof(v));
    struct riscv_mmio_insn d;
    u32 insn = (u32)v;
    unsigned len = riscv_insn_len((u16)insn);
    CHECK(len == 0 || len == 2 || len == 4);
    if (riscv_mmio_decode(insn, 2, &d)) {
        check(&d);
        CHECK(d.len == 2 && len == 2);
    }
    if (riscv_mmio_decode(insn, 4, &d)) {
        check(&d);
        CHECK(d.len == 4 && len == 4);
    }
    if (riscv_mmio_decode_htinst(v, &d)) {
        check(&d);
        CHECK(!riscv_htinst_is_walk(v)); /* a walk is never taken for the guest's own access */
    }
    return 0;
}
