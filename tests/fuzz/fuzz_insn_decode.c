/* libFuzzer target: the x86 MMIO instruction decoder over arbitrary guest bytes (the bytes at a
 * hostile guest's RIP). Checks what the hypervisor relies on: a decoded instruction lies within
 * the bytes given and 15 bytes, its width is a power of two up to 8, its register exists, and a
 * decode is deterministic in the first `len` bytes; the same bounds for INS/OUTS
 * (x86_decode_string_io: length, element and address sizes, segment). */
#include <arch/insn_decode.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct x86_cpu_mode mode = {data[0] & 1, (data[0] >> 1) & 1};
    data++, size--;
    struct x86_string_io s;
    if (x86_decode_string_io(data, size, mode, &s) == 0 &&
        (s.len == 0 || s.len > size || s.len > X86_INSN_MAX || (s.width != 1 && s.width != 2 && s.width != 4) ||
         (s.addr_size != 2 && s.addr_size != 4 && s.addr_size != 8) || s.seg > X86_SEG_GS ||
         (s.in && s.seg != X86_SEG_ES)))
        abort();
    struct x86_mmio_insn in, again;
    if (x86_decode_mmio(data, size, mode, &in) != 0)
        return 0;
    if (in.len == 0 || in.len > size || in.len > X86_INSN_MAX)
        abort();
    if (in.width != 1 && in.width != 2 && in.width != 4 && in.width != 8)
        abort();
    if (in.reg > 15 || (in.high8 && in.reg > 3))
        abort();
    if (!in.write && in.reg_width != 1 && in.reg_width != 2 && in.reg_width != 4 && in.reg_width != 8)
        abort();
    if (x86_decode_mmio(data, in.len, mode, &again) != 0 || memcmp(&in, &again, sizeof(in)) != 0)
        abort();
    (void)x86_mmio_load_result(&in, 0x1122334455667788ull, 0x8899aabbccddeeffull);
    (void)x86_mmio_store_value(&in, 0x1122334455667788ull);
    return 0;
}
