/* The x86 MMIO instruction decoder (hv/arch/x86_64/insn_decode.c): lengths, widths, directions,
 * registers and immediates of the MOV forms, in 64-bit, 32-bit and 16-bit modes; what it refuses;
 * and how a load's value lands in its register. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/insn_decode.h>

static const struct x86_cpu_mode M64 = {true, true}, M32 = {false, true}, M16 = {false, false};

static struct x86_mmio_insn dec(struct x86_cpu_mode m, const u8 *b, size_t n)
{
    struct x86_mmio_insn in;
    assert_int_equal(x86_decode_mmio(b, n, m, &in), 0);
    return in;
}
#define DEC(m, ...) ({ static const u8 b_[] = {__VA_ARGS__}; dec(m, b_, sizeof(b_)); })
#define REFUSED(m, ...)                                                                                    \
    do {                                                                                                   \
        static const u8 b_[] = {__VA_ARGS__};                                                              \
        struct x86_mmio_insn in_;                                                                          \
        assert_int_equal(x86_decode_mmio(b_, sizeof(b_), m, &in_), -1);                                    \
    } while (0)

static void test_loads(void **state)
{
    (void)state;
    /* mov 0x1000(%rip), %eax */
    struct x86_mmio_insn in = DEC(M64, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00);
    assert_int_equal(in.len, 6);
    assert_int_equal(in.width, 4);
    assert_false(in.write);
    assert_int_equal(in.reg, 0);
    assert_int_equal(in.reg_width, 4);
    /* mov 8(%rsp), %r9: REX.WR, SIB, disp8 */
    in = DEC(M64, 0x4c, 0x8b, 0x4c, 0x24, 0x08);
    assert_int_equal(in.len, 5);
    assert_int_equal(in.width, 8);
    assert_int_equal(in.reg, 9);
    /* mov (%eax), %dh in 32-bit mode: a high byte register */
    in = DEC(M32, 0x8a, 0x30);
    assert_int_equal(in.len, 2);
    assert_int_equal(in.width, 1);
    assert_true(in.high8);
    assert_int_equal(in.reg, 2);
    /* mov (%rax), %sil: with REX, register 6 is SIL, not DH */
    in = DEC(M64, 0x40, 0x8a, 0x30);
    assert_false(in.high8);
    assert_int_equal(in.reg, 6);
    /* movzbl (%rax), %ecx; movswq (%rsp), %rax */
    in = DEC(M64, 0x0f, 0xb6, 0x08);
    assert_int_equal(in.len, 3);
    assert_int_equal(in.width, 1);
    assert_int_equal(in.reg_width, 4);
    assert_false(in.sign);
    in = DEC(M64, 0x48, 0x0f, 0xbf, 0x04, 0x24);
    assert_int_equal(in.len, 5);
    assert_int_equal(in.width, 2);
    assert_int_equal(in.reg_width, 8);
    assert_true(in.sign);
    /* movslq 0x10(%rdi,%rcx,4), %rdx (MOVSXD, disp32) */
    in = DEC(M64, 0x48, 0x63, 0x94, 0x8f, 0x10, 0x00, 0x00, 0x00);
    assert_int_equal(in.len, 8);
    assert_int_equal(in.width, 4);
    assert_true(in.sign);
    assert_int_equal(in.reg, 2);
    /* mov 0x300000, %eax (moffs): 4 address bytes in 32-bit mode, 8 in 64-bit mode */
    in = DEC(M32, 0xa1, 0x00, 0x00, 0x30, 0x00);
    assert_int_equal(in.len, 5);
    assert_int_equal(in.width, 4);
    in = DEC(M64, 0x48, 0xa1, 0, 0, 0x30, 0, 0, 0, 0, 0);
    assert_int_equal(in.len, 10);
    assert_int_equal(in.width, 8);
    /* mov %fs:(%ebx), %ax: segment override, operand size */
    in = DEC(M32, 0x64, 0x66, 0x8b, 0x03);
    assert_int_equal(in.len, 4);
    assert_int_equal(in.width, 2);
    /* mov [disp32 + sib without base], %ecx: mod 0, base 5 */
    in = DEC(M32, 0x8b, 0x0c, 0x25, 0x00, 0x00, 0x00, 0xfe);
    assert_int_equal(in.len, 7);
    assert_int_equal(in.reg, 1);
}

static void test_stores(void **state)
{
    (void)state;
    /* mov %rbx, (%rax) */
    struct x86_mmio_insn in = DEC(M64, 0x48, 0x89, 0x18);
    assert_int_equal(in.len, 3);
    assert_int_equal(in.width, 8);
    assert_true(in.write);
    assert_false(in.has_imm);
    assert_int_equal(in.reg, 3);
    assert_int_equal(x86_mmio_store_value(&in, 0x1122334455667788ull), 0x1122334455667788ull);
    /* mov %ah, (%eax) */
    in = DEC(M32, 0x88, 0x20);
    assert_true(in.high8);
    assert_int_equal(in.reg, 0);
    assert_int_equal(x86_mmio_store_value(&in, 0xabcd), 0xab);
    /* movl $0x12345678, 0xfee000b0 (disp32 + imm32: 10 bytes) */
    in = DEC(M32, 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x78, 0x56, 0x34, 0x12);
    assert_int_equal(in.len, 10);
    assert_true(in.has_imm);
    assert_int_equal(in.imm, 0x12345678);
    assert_int_equal(x86_mmio_store_value(&in, 0), 0x12345678);
    /* movq $-1, (%rax): imm32 sign-extended to 64 bits */
    in = DEC(M64, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff);
    assert_int_equal(in.len, 7);
    assert_int_equal(in.width, 8);
    assert_int_equal(in.imm, ~0ull);
    /* movw $0x1234, (%rax); movb $0x5a, 3(%rbx) */
    in = DEC(M64, 0x66, 0xc7, 0x00, 0x34, 0x12);
    assert_int_equal(in.len, 5);
    assert_int_equal(in.width, 2);
    assert_int_equal(in.imm, 0x1234);
    in = DEC(M64, 0xc6, 0x43, 0x03, 0x5a);
    assert_int_equal(in.len, 4);
    assert_int_equal(in.width, 1);
    assert_int_equal(in.imm, 0x5a);
    /* mov %al, moffs8 */
    in = DEC(M32, 0xa2, 0xf8, 0x03, 0x00, 0x00);
    assert_true(in.write);
    assert_int_equal(in.width, 1);
    assert_int_equal(in.len, 5);
}

static void test_16bit_addressing(void **state)
{
    (void)state;
    /* 16-bit mode: mov (%bx), %ax; mov 0x1234, %ax ([disp16]); mov 0x10(%bp,%si), %al */
    struct x86_mmio_insn in = DEC(M16, 0x8b, 0x07);
    assert_int_equal(in.len, 2);
    assert_int_equal(in.width, 2);
    in = DEC(M16, 0x8b, 0x06, 0x34, 0x12);
    assert_int_equal(in.len, 4);
    in = DEC(M16, 0x8a, 0x42, 0x10);
    assert_int_equal(in.len, 3);
    assert_int_equal(in.width, 1);
    /* 32-bit mode with an address-size prefix: 16-bit addressing; with operand size: 16-bit data */
    in = DEC(M32, 0x67, 0x8b, 0x06, 0x34, 0x12);
    assert_int_equal(in.len, 5);
    assert_int_equal(in.width, 4);
    in = DEC(M16, 0x66, 0x8b, 0x07);
    assert_int_equal(in.width, 4);
    /* 64-bit mode with an address-size prefix: 32-bit addressing (still SIB/disp32 forms) */
    in = DEC(M64, 0x67, 0x8b, 0x04, 0x24);
    assert_int_equal(in.len, 4);
}

static void test_refused(void **state)
{
    (void)state;
    REFUSED(M64, 0x8b, 0xc0);                   /* register operand: no memory access */
    REFUSED(M64, 0xf3, 0xa4);                   /* rep movsb */
    REFUSED(M64, 0x01, 0x00);                   /* add: not a MOV */
    REFUSED(M64, 0xc7, 0x08, 0, 0, 0, 0);       /* C7 /1 is not MOV */
    REFUSED(M32, 0x63, 0x00);                   /* 63 outside 64-bit mode is ARPL */
    REFUSED(M64, 0x8b, 0x05, 0x00, 0x10);       /* cut short: disp32 missing two bytes */
    REFUSED(M64, 0x48, 0x48, 0x8b, 0x00);       /* two REX prefixes */
    REFUSED(M64, 0x48);                         /* nothing after REX */
    REFUSED(M64, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x8b,
            0x00); /* 16 bytes: longer than any instruction */
    REFUSED(M32, 0x0f, 0x20, 0xc0);             /* mov %cr0, %eax */
    struct x86_mmio_insn in;
    assert_int_equal(x86_decode_mmio(NULL, 0, M64, &in), -1);
}

static void test_load_results(void **state)
{
    (void)state;
    const u64 old = 0x1122334455667788ull;
    struct x86_mmio_insn in = DEC(M64, 0x8b, 0x00); /* 32-bit load clears bits 63:32 */
    assert_int_equal(x86_mmio_load_result(&in, old, 0xdeadbeefcafef00dull), 0xcafef00dull);
    in = DEC(M64, 0x66, 0x8b, 0x00); /* 16-bit load keeps the rest */
    assert_int_equal(x86_mmio_load_result(&in, old, 0xbeef), 0x112233445566beefull);
    in = DEC(M64, 0x8a, 0x00); /* 8-bit load into AL */
    assert_int_equal(x86_mmio_load_result(&in, old, 0x1ff), 0x11223344556677ffull);
    in = DEC(M64, 0x8a, 0x20); /* into AH */
    assert_int_equal(x86_mmio_load_result(&in, old, 0xab), 0x112233445566ab88ull);
    in = DEC(M64, 0x0f, 0xbe, 0x00); /* movsbl: sign-extended to 32, upper half cleared */
    assert_int_equal(x86_mmio_load_result(&in, old, 0x80), 0xffffff80ull);
    in = DEC(M64, 0x48, 0x0f, 0xb7, 0x00); /* movzwq */
    assert_int_equal(x86_mmio_load_result(&in, old, 0xffff8001), 0x8001ull);
    in = DEC(M64, 0x66, 0x0f, 0xbe, 0x00); /* movsbw: 16-bit destination keeps bits 63:16 */
    assert_int_equal(x86_mmio_load_result(&in, old, 0xfe), 0x112233445566fffeull);
}

static struct x86_string_io sdec(struct x86_cpu_mode m, const u8 *b, size_t n)
{
    struct x86_string_io s;
    assert_int_equal(x86_decode_string_io(b, n, m, &s), 0);
    return s;
}
#define SDEC(m, ...) ({ static const u8 b_[] = {__VA_ARGS__}; sdec(m, b_, sizeof(b_)); })

/* INS/OUTS: direction, element size, address size, REP, segment, length in each mode. */
static void test_string_io(void **state)
{
    (void)state;
    struct x86_string_io s = SDEC(M64, 0xf3, 0x6e); /* rep outsb */
    assert_int_equal(s.len, 2);
    assert_false(s.in);
    assert_int_equal(s.width, 1);
    assert_int_equal(s.addr_size, 8);
    assert_true(s.rep);
    assert_int_equal(s.seg, X86_SEG_DS);
    s = SDEC(M64, 0x6d); /* insl */
    assert_true(s.in && !s.rep && s.len == 1 && s.width == 4 && s.seg == X86_SEG_ES);
    s = SDEC(M64, 0x66, 0xf3, 0x6f); /* rep outsw */
    assert_true(s.width == 2 && s.rep && s.len == 3);
    s = SDEC(M64, 0x48, 0x6f); /* REX.W outs: still 32-bit elements */
    assert_true(s.width == 4 && s.len == 2);
    s = SDEC(M64, 0x64, 0xf3, 0x6e); /* rep outsb %fs:(%rsi) */
    assert_true(s.seg == X86_SEG_FS && s.len == 3);
    s = SDEC(M64, 0x67, 0xf3, 0x6e); /* addr32 */
    assert_int_equal(s.addr_size, 4);
    s = SDEC(M64, 0x65, 0xf3, 0x6c); /* an override on INS: ES all the same */
    assert_true(s.in && s.seg == X86_SEG_ES);
    s = SDEC(M64, 0xf2, 0x6e); /* REPNE acts as REP */
    assert_true(s.rep);
    s = SDEC(M32, 0x6f);
    assert_true(s.width == 4 && s.addr_size == 4);
    s = SDEC(M32, 0x66, 0x67, 0x2e, 0x6f); /* 16-bit elements, 16-bit addressing, CS */
    assert_true(s.width == 2 && s.addr_size == 2 && s.seg == X86_SEG_CS && s.len == 4);
    s = SDEC(M16, 0x6f);
    assert_true(s.width == 2 && s.addr_size == 2);
    s = SDEC(M16, 0x66, 0x67, 0x36, 0x6f);
    assert_true(s.width == 4 && s.addr_size == 4 && s.seg == X86_SEG_SS);
    struct x86_string_io r;
    static const u8 lock[] = {0xf0, 0x6e}, mov[] = {0x8b, 0x00}, cut[] = {0xf3}, rex32[] = {0x48, 0x6e};
    assert_int_equal(x86_decode_string_io(lock, sizeof(lock), M64, &r), -1);
    assert_int_equal(x86_decode_string_io(mov, sizeof(mov), M64, &r), -1);
    assert_int_equal(x86_decode_string_io(cut, sizeof(cut), M64, &r), -1);
    assert_int_equal(x86_decode_string_io(rex32, sizeof(rex32), M32, &r), -1); /* 0x48 is DEC there */
    static const u8 long_prefixes[16] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                         0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x6e};
    assert_int_equal(x86_decode_string_io(long_prefixes, sizeof(long_prefixes), M64, &r), -1); /* > 15 bytes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads),           cmocka_unit_test(test_stores),
        cmocka_unit_test(test_16bit_addressing), cmocka_unit_test(test_refused),
        cmocka_unit_test(test_load_results),    cmocka_unit_test(test_string_io),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
