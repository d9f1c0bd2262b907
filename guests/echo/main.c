/* Interactive bare-metal test guest on its own (emulated) console UART: prints a prompt, reads a line,
 * answers it in upper case; "exit" powers the VM off. Shows console input reaching a VM that is
 * not Linux, and output kept while the VM does not have the console's focus. */
#include "guest.h"

void guest_main(u64 dtb)
{
    (void)dtb;
    char line[64];
    uart_printf("echo guest ready\n");
    for (;;) {
        size_t n = 0;
        uart_printf("echo> ");
        for (;;) {
            char c = guest_uart_getc();
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
