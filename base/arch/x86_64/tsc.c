/* The time counter's frequency (<arch/timer.h>), set once by the calibration (timer.c). Kept in a
 * module of its own: logging reads the counter, and the calibration logs. */
#include <arch/timer.h>

u64 x86_tsc_hz;
