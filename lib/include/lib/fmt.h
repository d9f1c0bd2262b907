/* printf-style formatting without libc: %d %i %u %x %X %p %s %c %% with flags '-', '0',
 * width, precision for %s, and length modifiers l, ll, z, h, hh. */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <lib/types.h>
#include <stdarg.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Formats without a length limit: the output goes to sink in pieces of up to 64 bytes (never
 * empty), in order. Returns the number of bytes. */
typedef void fmt_sink_fn(void *ctx, const char *s, size_t len);
int fmt_vprint(fmt_sink_fn *sink, void *ctx, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
