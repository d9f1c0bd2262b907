/* Interactive bare-metal test guest on its own (emulated) PL011: prints a prompt, reads a line,
 * answers it in upper case; "exit" powers the VM off. Shows console input reaching a VM that is
 * not Linux, and output kept while the VM does not have the console's focus. */
#include "guest.h"

#define UART 0x09000000ul
#define UARTFR 0x18
#define FR_RXFE (1u << 4)

static char uart_getc(void)
{
    volatile u32 *dr = (volatile u32 *)UART, *fr = (volatile u32 *)(UART + UARTFR);
    while (*fr & FR_RXFE)
        __asm__ volatile("yield");
    return (char)(*dr & 0xff);
}

void guest_main(u64 dtb)
{
    (void)dtb;
    char line[64];
    uart_printf("echo guest ready\n");
    for (;;) {
        size_t n = 0;
        uart_printf("echo> ");
        for (;;) {
            char c = uart_getc();
            if (c == '\r' || c == '\n')
                break;
            if (n < sizeof(line) - 1) {
                line[n++] = c;
                uart_printf("%c", c);
            }
        }
        line[n] = '\0';
        uart_printf("\n");
        if (n == 4 && line[0] == 'e' && line[1] == 'x' && line[2] == 'i' && line[3] == 't')
            guest_system_off();
        for (size_t i = 0; i < n; i++)
            if (line[i] >= 'a' && line[i] <= 'z')
                line[i] = (char)(line[i] - 'a' + 'A');
        uart_printf("%s\n", line);
    }
}
