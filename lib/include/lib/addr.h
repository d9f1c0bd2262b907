/* Typed addresses. Guest-physical and host-physical addresses are distinct struct types so
 * the compiler rejects passing one where the other is expected; converting between them is
 * always an explicit translation (stage-2 lookup or a region's offset arithmetic). */
#ifndef LIB_ADDR_H
#define LIB_ADDR_H

#include <lib/types.h>

typedef struct { u64 val; } gpa_t; /* guest-physical (intermediate physical) address */
typedef struct { u64 val; } hpa_t; /* host-physical address */

static inline gpa_t gpa(u64 v) { return (gpa_t){v}; }
static inline hpa_t hpa(u64 v) { return (hpa_t){v}; }

#endif
