/* base/drivers/pl011.c over registers in memory: a UART whose transmit FIFO never drains (disabled
 * by another agent) must not hang the CPU that writes to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <drivers/pl011.h>

#define UARTDR 0x00
#define UARTFR 0x18
#define FR_TXFF (1u << 5)

static volatile u32 regs[0x1000 / 4];

static void writes_when_there_is_room(void **state)
{
    (void)state;
    struct pl011 u;
    pl011_init(&u, (u64)(uintptr_t)regs);
    regs[UARTFR / 4] = 0;
    pl011_putc(&u, 'a');
    assert_int_equal(regs[UARTDR / 4], 'a');
    assert_false(u.stuck);
}

static void a_uart_that_never_drains_does_not_hang(void **state)
{
    (void)state;
    struct pl011 u;
    pl011_init(&u, (u64)(uintptr_t)regs);
    regs[UARTDR / 4] = 0;
    regs[UARTFR / 4] = FR_TXFF; /* full for ever */
    pl011_putc(&u, 'x');        /* one bounded wait, then the byte is dropped */
    assert_true(u.stuck);
    assert_int_equal(regs[UARTDR / 4], 0);
    for (int i = 0; i < 100000; i++) /* then one look per byte: this loop is quick */
        pl011_putc(&u, 'y');
    assert_int_equal(regs[UARTDR / 4], 0);
    regs[UARTFR / 4] = 0; /* drains again: output resumes */
    pl011_putc(&u, 'z');
    assert_int_equal(regs[UARTDR / 4], 'z');
    assert_false(u.stuck);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_when_there_is_room),
        cmocka_unit_test(a_uart_that_never_drains_does_not_hang),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
