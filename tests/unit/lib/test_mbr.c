/* MBR partition entries: found where the table says, and every bad entry refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#include <lib/mbr.h>
#include <lib/string.h>

static u8 sector[512];

static void entry(unsigned n, u8 type, u32 start, u32 size)
{
    u8 *e = sector + 446 + (n - 1) * 16;
    e[4] = type;
    for (int i = 0; i < 4; i++) {
        e[8 + i] = (u8)(start >> (8 * i));
        e[12 + i] = (u8)(size >> (8 * i));
    }
}

static int setup(void **state)
{
    (void)state;
    memset(sector, 0, sizeof(sector));
    sector[510] = 0x55;
    sector[511] = 0xAA;
    return 0;
}

static void finds_each_primary_partition(void **state)
{
    (void)state;
    entry(1, 0x83, 2048, 32768);
    entry(2, 0x0C, 34816, 2048);
    entry(4, 0x83, 0xFFFFFFF0u, 0x10);
    u64 first = 0, count = 0;
    assert_int_equal(mbr_partition(sector, 1, 1u << 20, &first, &count), MBR_OK);
    assert_int_equal(first, 2048);
    assert_int_equal(count, 32768);
    assert_int_equal(mbr_partition(sector, 2, 1u << 20, &first, &count), MBR_OK);
    assert_int_equal(first, 34816);
    assert_int_equal(count, 2048);
    /* 32-bit fields, read unsigned: a 2 TiB disk's last sectors. */
    assert_int_equal(mbr_partition(sector, 4, 0x100000000ull, &first, &count), MBR_OK);
    assert_int_equal(first, 0xFFFFFFF0u);
    assert_int_equal(count, 0x10);
}

static void refuses_what_is_not_a_partition(void **state)
{
    (void)state;
    u64 first = 7, count = 7;
    entry(1, 0x83, 2048, 2048);
    assert_int_equal(mbr_partition(sector, 0, 8192, &first, &count), MBR_ENOENT);
    assert_int_equal(mbr_partition(sector, 5, 8192, &first, &count), MBR_ENOENT);
    assert_int_equal(mbr_partition(sector, 2, 8192, &first, &count), MBR_ENOENT); /* type 0 */
    entry(2, 0xEE, 1, 8191);
    assert_int_equal(mbr_partition(sector, 2, 8192, &first, &count), MBR_EGPT);
    entry(3, 0x05, 4096, 1024);
    assert_int_equal(mbr_partition(sector, 3, 8192, &first, &count), MBR_EEXTENDED);
    entry(3, 0x0F, 4096, 1024);
    assert_int_equal(mbr_partition(sector, 3, 8192, &first, &count), MBR_EEXTENDED);
    entry(4, 0x83, 0, 100); /* over the table itself */
    assert_int_equal(mbr_partition(sector, 4, 8192, &first, &count), MBR_ERANGE);
    entry(4, 0x83, 100, 0);
    assert_int_equal(mbr_partition(sector, 4, 8192, &first, &count), MBR_ERANGE);
    entry(4, 0x83, 8000, 193); /* one sector past the end */
    assert_int_equal(mbr_partition(sector, 4, 8192, &first, &count), MBR_ERANGE);
    entry(4, 0x83, 8192, 1);
    assert_int_equal(mbr_partition(sector, 4, 8192, &first, &count), MBR_ERANGE);
    entry(4, 0x83, 0xFFFFFFFFu, 0xFFFFFFFFu);
    assert_int_equal(mbr_partition(sector, 4, 8192, &first, &count), MBR_ERANGE);
    assert_int_equal(first, 7); /* untouched on error */
    assert_int_equal(count, 7);
    entry(4, 0x83, 8000, 192); /* exactly to the end */
    assert_int_equal(mbr_partition(sector, 4, 8192, &first, &count), MBR_OK);
    sector[511] = 0;
    assert_int_equal(mbr_partition(sector, 1, 8192, &first, &count), MBR_ENOTABLE);
    assert_string_equal(mbr_strerror(MBR_ENOTABLE), "the disk has no MBR partition table");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(finds_each_primary_partition, setup),
        cmocka_unit_test_setup(refuses_what_is_not_a_partition, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
