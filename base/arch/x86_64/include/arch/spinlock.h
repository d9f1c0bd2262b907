/* The generic ticket spinlock (<base/ticket_spinlock.h>). */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H

#include <base/ticket_spinlock.h>

#endif
