/* Unit tests of the riscv64 MMIO instruction decoder: every integer load and store of RV64I and
 * RVC (encodings as the assembler writes them), what must be refused (floating point, AMOs, LR,
 * reserved encodings, non-memory instructions), and htinst's transformed instructions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/mmio_decode.h>
#include <lib/types.h>

struct expect {
    u32 insn;
    unsigned len;
    u8 width;
    bool write, sign;
    u8 reg;
};

static void check(const struct expect *e)
{
    struct riscv_mmio_insn d;
    assert_int_equal(riscv_insn_len((u16)e->insn), e->len);
    assert_true(riscv_mmio_decode(e->insn, e->len, &d));
    assert_int_equal(d.width, e->width);
    assert_int_equal(d.write, e->write);
    assert_int_equal(d.sign, e->sign);
    assert_int_equal(d.reg, e->reg);
    assert_int_equal(d.len, e->len);
}

static void test_rv64i_loads_and_stores(void **state)
{
    (void)state;
    static const struct expect cases[] = {
        {0x00058503, 4, 1, false, true, 10},  /* lb a0, 0(a1) */
        {0x00059503, 4, 2, false, true, 10},  /* lh a0, 0(a1) */
        {0x0085b503, 4, 8, false, false, 10}, /* ld a0, 8(a1) */
        {0x0005c303, 4, 1, false, false, 6},  /* lbu t1, 0(a1) */
        {0x0005d303, 4, 2, false, false, 6},  /* lhu t1, 0(a1) */
        {0x0005e303, 4, 4, false, false, 6},  /* lwu t1, 0(a1) */
        {0x00c58023, 4, 1, true, false, 12},  /* sb a2, 0(a1) */
        {0x00c59123, 4, 2, true, false, 12},  /* sh a2, 2(a1) */
        {0x00c5a223, 4, 4, true, false, 12},  /* sw a2, 4(a1) */
        {0x01b5b423, 4, 8, true, false, 27},  /* sd s11, 8(a1) */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check(&cases[i]);
}

static void test_rvc_loads_and_stores(void **state)
{
    (void)state;
    static const struct expect cases[] = {
        {0x41c8, 2, 4, false, true, 10},  /* c.lw a0, 4(a1) */
        {0x659c, 2, 8, false, false, 15}, /* c.ld a5, 8(a1) */
        {0xc1d0, 2, 4, true, false, 12},  /* c.sw a2, 4(a1) */
        {0xe584, 2, 8, true, false, 9},   /* c.sd s1, 8(a1) */
        {0x4792, 2, 4, false, true, 15},  /* c.lwsp a5, 4(sp) */
        {0x60a2, 2, 8, false, false, 1},  /* c.ldsp ra, 8(sp) */
        {0xc27e, 2, 4, true, false, 31},  /* c.swsp t6, 4(sp) */
        {0xe42a, 2, 8, true, false, 10},  /* c.sdsp a0, 8(sp) */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check(&cases[i]);
}

static void test_refused(void **state)
{
    (void)state;
    struct riscv_mmio_insn d;
    static const u32 wide[] = {
        0x0005a007, /* flw f0, 0(a1) */
        0x0085b087, /* fld f1, 8(a1) */
        0x0015b427, /* fsd f1, 8(a1) */
        0x08b6252f, /* amoswap.w a0, a1, (a2) */
        0x1006352f, /* lr.d a0, (a2) */
        0x00150513, /* addi a0, a0, 1 */
        0x0005f503, /* funct3 7 load: reserved */
        0x00c5c023, /* funct3 4 store: reserved */
    };
    for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
        assert_false(riscv_mmio_decode(wide[i], 4, &d));
    static const u16 narrow[] = {
        0x2580, /* c.fld fs0, 8(a1) */
        0xa580, /* c.fsd fs0, 8(a1) */
        0x20a2, /* c.fldsp ft1, 8(sp) */
        0x4002, /* c.lwsp x0: reserved */
        0x0001, /* c.nop */
        0x0000, /* the all-zero illegal instruction */
    };
    for (size_t i = 0; i < sizeof(narrow) / sizeof(narrow[0]); i++)
        assert_false(riscv_mmio_decode(narrow[i], 2, &d));
    /* A length that does not match the encoding is refused both ways. */
    assert_false(riscv_mmio_decode(0x41c8, 4, &d));
    assert_false(riscv_mmio_decode(0x00058503, 2, &d));
    /* 48-bit and longer encodings are no load or store. */
    assert_int_equal(riscv_insn_len(0x001f), 0);
}

static void test_htinst(void **state)
{
    (void)state;
    struct riscv_mmio_insn d;
    /* c.lw a0, 4(a1) transformed: lw a0, 0(x0) with bit 1 clear (the original was 2 bytes). */
    assert_true(riscv_mmio_decode_htinst(0x2501, &d));
    assert_int_equal(d.width, 4);
    assert_false(d.write);
    assert_true(d.sign);
    assert_int_equal(d.reg, 10);
    assert_int_equal(d.len, 2);
    /* sd s11, 8(a1) transformed: sd s11, 0(x0), 4 bytes. */
    assert_true(riscv_mmio_decode_htinst(0x01b03023, &d));
    assert_int_equal(d.width, 8);
    assert_true(d.write);
    assert_int_equal(d.reg, 27);
    assert_int_equal(d.len, 4);
    /* Nothing written (0), a pseudoinstruction for an implicit access (bit 0 clear), a value
     * wider than an instruction, and a transformed instruction that is no integer load/store. */
    assert_false(riscv_mmio_decode_htinst(0, &d));
    assert_false(riscv_mmio_decode_htinst(0x00002000, &d));
    assert_false(riscv_mmio_decode_htinst(0x100002503ull, &d));
    assert_false(riscv_mmio_decode_htinst(0x0000252f, &d)); /* amo-shaped */
    /* The pseudoinstructions of a VS-stage walk's PTE reads and writes, and nothing else. */
    assert_true(riscv_htinst_is_walk(0x2000));
    assert_true(riscv_htinst_is_walk(0x3000));
    assert_true(riscv_htinst_is_walk(0x2020));
    assert_true(riscv_htinst_is_walk(0x3020));
    assert_false(riscv_htinst_is_walk(0));
    assert_false(riscv_htinst_is_walk(0x2503));
    assert_false(riscv_htinst_is_walk(0x2001));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rv64i_loads_and_stores),
        cmocka_unit_test(test_rvc_loads_and_stores),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_htinst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
