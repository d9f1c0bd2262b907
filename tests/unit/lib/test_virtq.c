/* The virtqueue walker against well-formed and hostile rings: every buffer is checked against the
 * (fake) VM's RAM, loops and chains longer than their table end in errors, indirect tables are
 * honoured only as the spec allows, event-index notification suppression works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <lib/string.h>
#include <lib/virtq.h>

/* The fake VM: RAM_SIZE bytes at guest-physical RAM_BASE. */
#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000ull
#define DESC 0x0000u  /* ring offsets within RAM */
#define AVAIL 0x1000u
#define USED 0x2000u
#define BUF 0x4000u

static _Alignas(16) u8 ram[RAM_SIZE];
static unsigned maps;

static void *map_ram(void *ctx, gpa_t a, u64 len)
{
    (void)ctx;
    maps++;
    if (len == 0 || a.val < RAM_BASE || a.val - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (a.val - RAM_BASE))
        return NULL;
    return ram + (a.val - RAM_BASE);
}

/* Everything maps (never dereferenced by the walker): for length-limit tests. */
static void *map_all(void *ctx, gpa_t a, u64 len)
{
    (void)ctx;
    if (a.val >= RAM_BASE && a.val - RAM_BASE < 0x3000)
        return ram + (a.val - RAM_BASE);
    return len ? ram + BUF : NULL;
}

static const struct virtq_mem mem = {map_ram, NULL};
static const struct virtq_mem mem_all = {map_all, NULL};

static void setup_q(struct virtq *q, u16 num)
{
    memset(ram, 0, sizeof(ram));
    virtq_reset(q);
    q->num = num;
    q->desc = gpa(RAM_BASE + DESC);
    q->avail = gpa(RAM_BASE + AVAIL);
    q->used = gpa(RAM_BASE + USED);
    assert_int_equal(virtq_check(q, &mem), 0);
    q->ready = true;
}

static void put_desc(u32 table_off, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
    u8 *d = ram + table_off + 16u * i;
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

static u16 rd16(u32 off)
{
    u16 v;
    memcpy(&v, ram + off, 2);
    return v;
}

static void wr16(u32 off, u16 v) { memcpy(ram + off, &v, 2); }

/* The driver makes chain `head` available. */
static void offer(const struct virtq *q, u16 head)
{
    u16 idx = rd16(AVAIL + 2);
    wr16(AVAIL + 4 + 2u * (idx % q->num), head);
    wr16(AVAIL + 2, (u16)(idx + 1));
}

static struct virtq_chain chain;

static void simple_chain_and_used(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 8);
    put_desc(DESC, 3, RAM_BASE + BUF, 16, VIRTQ_DESC_F_NEXT, 5);
    put_desc(DESC, 5, RAM_BASE + BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 6);
    put_desc(DESC, 6, RAM_BASE + BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_EMPTY);
    offer(&q, 3);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_GOT);
    assert_int_equal(chain.head, 3);
    assert_int_equal(chain.nseg, 3);
    assert_int_equal(chain.readable, 16);
    assert_int_equal(chain.writable, 513);
    assert_false(chain.seg[0].write);
    assert_true(chain.seg[1].write);
    assert_ptr_equal(chain.seg[1].hva, ram + BUF + 0x100);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_EMPTY);
    assert_int_equal(virtq_push(&q, &mem, 3, 200), 0);
    assert_int_equal(rd16(USED + 2), 1);
    u32 id, len;
    memcpy(&id, ram + USED + 4, 4);
    memcpy(&len, ram + USED + 8, 4);
    assert_int_equal(id, 3);
    assert_int_equal(len, 200);
    assert_true(virtq_need_interrupt(&q, &mem));
    wr16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT); /* the driver suppresses interrupts */
    assert_false(virtq_need_interrupt(&q, &mem));
}

static void loops_end_in_an_error(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 4);
    put_desc(DESC, 0, RAM_BASE + BUF, 8, VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, RAM_BASE + BUF, 8, VIRTQ_DESC_F_NEXT, 0);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_LOOP);
    /* A descriptor pointing at itself. */
    setup_q(&q, 4);
    put_desc(DESC, 2, RAM_BASE + BUF, 8, VIRTQ_DESC_F_NEXT, 2);
    offer(&q, 2);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_LOOP);
}

static void indices_past_the_table(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 4);
    offer(&q, 4); /* head == num */
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_HEAD);
    setup_q(&q, 4);
    put_desc(DESC, 0, RAM_BASE + BUF, 8, VIRTQ_DESC_F_NEXT, 0xffff);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_HEAD);
    /* avail->idx more than num ahead of what we took. */
    setup_q(&q, 4);
    wr16(AVAIL + 2, 5);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_IDX);
}

static void buffers_outside_ram(void **state)
{
    (void)state;
    struct virtq q;
    const u64 bad[][2] = {
        {0, 8},                                 /* below RAM */
        {RAM_BASE + RAM_SIZE, 1},               /* just past it */
        {RAM_BASE + RAM_SIZE - 4, 8},           /* straddling its end */
        {RAM_BASE + BUF, 0xffffffffu},          /* a 4 GiB length */
        {0xfffffffffffffff0ull, 0x20},          /* wrapping around */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        setup_q(&q, 4);
        put_desc(DESC, 0, bad[i][0], (u32)bad[i][1], 0, 0);
        offer(&q, 0);
        assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_ADDR);
    }
    setup_q(&q, 4);
    put_desc(DESC, 0, RAM_BASE + BUF, 0, 0, 0); /* zero length */
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_LEN);
}

static void chain_over_4gib(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 4);
    put_desc(DESC, 0, 0x100000000ull, 0x80000000u, VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, 0x200000000ull, 0x80000000u, 0, 0);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem_all, &chain), VIRTQ_E_LEN);
    setup_q(&q, 4);
    put_desc(DESC, 0, 0x100000000ull, 0x7fffffffu, VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, 0x200000000ull, 0x80000000u, 0, 0);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem_all, &chain), VIRTQ_GOT);
    assert_int_equal(chain.readable, 0xffffffffu);
}

static void writable_before_readable(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 4);
    put_desc(DESC, 0, RAM_BASE + BUF, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    put_desc(DESC, 1, RAM_BASE + BUF, 8, 0, 0);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_ORDER);
}

#define TABLE 0x3000u

static void indirect_tables(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 4);
    q.indirect = true;
    put_desc(TABLE, 0, RAM_BASE + BUF, 16, VIRTQ_DESC_F_NEXT, 2);
    put_desc(TABLE, 2, RAM_BASE + BUF + 16, 32, VIRTQ_DESC_F_WRITE, 0);
    put_desc(DESC, 1, RAM_BASE + TABLE, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer(&q, 1);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_GOT);
    assert_int_equal(chain.head, 1);
    assert_int_equal(chain.nseg, 2);
    assert_int_equal(chain.writable, 32);

    struct {
        u64 addr;
        u32 len;
        u16 flags;
        bool negotiated;
        int want;
    } bad[] = {
        {RAM_BASE + TABLE, 48, VIRTQ_DESC_F_INDIRECT, false, VIRTQ_E_INDIRECT}, /* not negotiated */
        {RAM_BASE + TABLE, 48, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, true, VIRTQ_E_INDIRECT},
        {RAM_BASE + TABLE, 40, VIRTQ_DESC_F_INDIRECT, true, VIRTQ_E_INDIRECT}, /* not 16-byte entries */
        {RAM_BASE + TABLE, 0, VIRTQ_DESC_F_INDIRECT, true, VIRTQ_E_INDIRECT},
        {RAM_BASE + TABLE, 16 * (VIRTQ_MAX_INDIRECT + 1), VIRTQ_DESC_F_INDIRECT, true, VIRTQ_E_INDIRECT},
        {RAM_BASE + RAM_SIZE - 16, 48, VIRTQ_DESC_F_INDIRECT, true, VIRTQ_E_ADDR}, /* table outside RAM */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        setup_q(&q, 4);
        q.indirect = bad[i].negotiated;
        put_desc(TABLE, 0, RAM_BASE + BUF, 16, 0, 0);
        put_desc(DESC, 0, bad[i].addr, bad[i].len, bad[i].flags, 1);
        offer(&q, 0);
        assert_int_equal(virtq_pop(&q, &mem, &chain), bad[i].want);
    }
    /* Nested indirect, and a loop inside the table. */
    setup_q(&q, 4);
    q.indirect = true;
    put_desc(TABLE, 0, RAM_BASE + TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(DESC, 0, RAM_BASE + TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_INDIRECT);
    setup_q(&q, 4);
    q.indirect = true;
    put_desc(TABLE, 0, RAM_BASE + BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    put_desc(TABLE, 1, RAM_BASE + BUF, 16, VIRTQ_DESC_F_NEXT, 0);
    put_desc(DESC, 0, RAM_BASE + TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_LOOP);
    /* An indirect descriptor after a direct one. */
    setup_q(&q, 4);
    q.indirect = true;
    put_desc(DESC, 0, RAM_BASE + BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, RAM_BASE + TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_INDIRECT);
}

static void full_size_indirect_table(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 2);
    q.indirect = true;
    /* 256 entries (4 KiB) chained in order: the longest chain there can be. */
    for (u16 i = 0; i < VIRTQ_MAX_INDIRECT; i++)
        put_desc(0x5000, i, RAM_BASE + BUF, 1, i + 1 < VIRTQ_MAX_INDIRECT ? VIRTQ_DESC_F_NEXT : 0, (u16)(i + 1));
    put_desc(DESC, 0, RAM_BASE + 0x5000, 16 * VIRTQ_MAX_INDIRECT, VIRTQ_DESC_F_INDIRECT, 0);
    offer(&q, 0);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_GOT);
    assert_int_equal(chain.nseg, VIRTQ_MAX_INDIRECT);
}

static void event_index(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 8);
    q.event_idx = true;
    for (u16 i = 0; i < 4; i++) {
        put_desc(DESC, i, RAM_BASE + BUF, 8, 0, 0);
        offer(&q, i);
    }
    /* Each pop tells the driver how far we got (avail_event). */
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_GOT);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_GOT);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_GOT);
    assert_int_equal(rd16(USED + 4 + 8 * 8), 2);
    /* used_event = 2: the driver wants an interrupt once used idx passes 2, i.e. reaches 3. */
    wr16(AVAIL + 4 + 2 * 8, 2);
    virtq_push(&q, &mem, 0, 0);
    assert_true(virtq_need_interrupt(&q, &mem)); /* the first time always */
    virtq_push(&q, &mem, 1, 0);
    assert_false(virtq_need_interrupt(&q, &mem)); /* used idx 2: not past 2 */
    virtq_push(&q, &mem, 2, 0);
    assert_true(virtq_need_interrupt(&q, &mem)); /* used idx 3 passed it */
    virtq_push(&q, &mem, 3, 0);
    assert_false(virtq_need_interrupt(&q, &mem)); /* already told about 3 */
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_GOT);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_EMPTY);
    assert_int_equal(rd16(USED + 4 + 8 * 8), 4);
}

static void queue_setup_checks(void **state)
{
    (void)state;
    struct virtq q;
    setup_q(&q, 8);
    q.num = 6; /* not a power of two */
    assert_int_equal(virtq_check(&q, &mem), VIRTQ_E_RING);
    q.num = VIRTQ_MAX_SIZE * 2;
    assert_int_equal(virtq_check(&q, &mem), VIRTQ_E_RING);
    q.num = 0;
    assert_int_equal(virtq_check(&q, &mem), VIRTQ_E_RING);
    q.num = 8;
    q.desc = gpa(RAM_BASE + 8); /* misaligned */
    assert_int_equal(virtq_check(&q, &mem), VIRTQ_E_RING);
    q.desc = gpa(RAM_BASE + RAM_SIZE - 64); /* 128 bytes needed */
    assert_int_equal(virtq_check(&q, &mem), VIRTQ_E_RING);
    q.desc = gpa(RAM_BASE);
    q.used = gpa(0x1000);
    assert_int_equal(virtq_check(&q, &mem), VIRTQ_E_RING);
    /* Rings that moved out of RAM after the check (a hostile driver cannot, but the walker does
     * not rely on it). */
    setup_q(&q, 8);
    q.avail = gpa(RAM_BASE + RAM_SIZE);
    assert_int_equal(virtq_pop(&q, &mem, &chain), VIRTQ_E_RING);
    assert_true(virtq_strerror(VIRTQ_E_LOOP)[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_chain_and_used),
        cmocka_unit_test(loops_end_in_an_error),
        cmocka_unit_test(indices_past_the_table),
        cmocka_unit_test(buffers_outside_ram),
        cmocka_unit_test(chain_over_4gib),
        cmocka_unit_test(writable_before_readable),
        cmocka_unit_test(indirect_tables),
        cmocka_unit_test(full_size_indirect_table),
        cmocka_unit_test(event_index),
        cmocka_unit_test(queue_setup_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
