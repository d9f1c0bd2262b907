/* Host replacement of <arch/spinlock.h> for unit tests and fuzzers: the generic ticket lock
 * (single-threaded, a lock is a counter, so a double lock or an unlock without lock still shows
 * in a test that checks it). */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H

#include <base/ticket_spinlock.h>

#endif
