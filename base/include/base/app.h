/* The contract between the unikernel base and the application built on it. The base boots
 * every CPU and then calls these; it knows nothing else of the application. */
#ifndef BASE_APP_H
#define BASE_APP_H

#include <lib/types.h>

/* Runs on the boot CPU once the base is up (console, memory, interrupts, timer, all CPUs
 * started). Returning powers the machine off. */
void app_main(void);
/* Runs on every other CPU once it is up. Returning parks the CPU. */
void app_secondary_main(u32 cpu);

#endif
