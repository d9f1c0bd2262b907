/* libFuzzer target for the stage-2 data abort decoder (<arch/dabt.h>): any ESR ISS, FAR, HPFAR and
 * loaded value, as a guest controls them. The decoded access must be one the hypervisor can
 * perform (width 1/2/4/8, a register number below 32, an IPA below 2^52 whose page offset is
 * FAR's), and the register value of a load must agree with a reference built from C's own
 * integer conversions. */
#include <stddef.h>
#include <stdint.h>

#include <arch/dabt.h>
#include <lib/string.h>

#define CHECK(c)                                                                                             \
    do {                                                                                                     \
        if (!(c))                                                                                            \
            __builtin_trap();                                                                                \
    } while (0)

static u64 reference(const struct dabt *d, u64 v)
{
    u64 r;
    switch (d->width) {
    case 1: r = d->sign ? (u64)(int64_t)(int8_t)(uint8_t)v : (uint8_t)v; break;
    case 2: r = d->sign ? (u64)(int64_t)(int16_t)(uint16_t)v : (uint16_t)v; break;
    case 4: r = d->sign ? (u64)(int64_t)(int32_t)(uint32_t)v : (uint32_t)v; break;
    default: r = v; break;
    }
    return d->sf ? r : (uint32_t)r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u64 in[4] = {0};
    memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
    u64 esr = (0x24ull << 26) | (in[0] & 0x3ffffff); /* IL and the ISS as given */
    struct dabt d;
    dabt_decode(esr, in[1], in[2], &d);
    CHECK(d.width == 1 || d.width == 2 || d.width == 4 || d.width == 8);
    CHECK(d.reg < 32);
    CHECK(d.ipa < (1ull << 52));
    CHECK((d.ipa & 0xfff) == (in[1] & 0xfff));
    CHECK(d.dfsc < 64);
    CHECK(dabt_load_value(&d, in[3]) == reference(&d, in[3]));
    return 0;
}
