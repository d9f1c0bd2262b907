/* Prints a numbered tick every 100 ms of guest time, then powers off: a VM that keeps running
 * while others come and go. TICKER_TICKS=0 (the tickerloop build): it never ends, for a VM
 * beside one that takes minutes to boot (Linux under TCG). */
#include "guest.h"

#ifndef TICKER_TICKS
#define TICKER_TICKS 20
#endif
/* tickerloop writes to its own UART: kept in its console buffer while another VM has the focus,
 * where the console hypercall's tagged lines would cut into that VM's output. */
#if TICKER_TICKS == 0
#define tick_printf uart_printf
#else
#define tick_printf gprintf
#endif

void guest_main(u64 dtb)
{
    (void)dtb;
    long id = hypercall(HC_VM_ID, 0, 0);
    for (long i = 1; TICKER_TICKS == 0 || i <= TICKER_TICKS; i++) {
        guest_delay_ms(100);
        tick_printf("ticker(vm%ld): tick %ld\n", id, i);
    }
    gprintf("ticker(vm%ld): done\n", id);
    guest_system_off();
}
