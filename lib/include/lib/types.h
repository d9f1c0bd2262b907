/* Basic fixed-width types shared by every layer (freestanding and host builds). */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define UNUSED(x) ((void)(x))
/* A function that runs once per boot or per VM, in a file otherwise on a guest's exit path:
 * built for size, as the files of COLD_SRCS (mk/target.mk) are. */
#define BUILT_FOR_SIZE __attribute__((minsize))

#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

/* True when [a, a+alen) and [b, b+blen) share a byte; overflow-safe for lengths > 0. */
static inline bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
    return alen && blen && a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* True when [inner, inner+ilen) lies inside [outer, outer+olen). */
static inline bool range_contains(u64 outer, u64 olen, u64 inner, u64 ilen)
{
    if (ilen == 0)
        return inner >= outer && inner - outer <= olen;
    return inner >= outer && ilen <= olen && inner - outer <= olen - ilen;
}

#endif
