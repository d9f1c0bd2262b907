/* Diagnostics sink: parsers and validators report through it instead of printing, so the
 * hypervisor can log them and host tests can inspect them. */
#ifndef LIB_DIAG_H
#define LIB_DIAG_H

#include <lib/types.h>

enum diag_level { DIAG_ERROR, DIAG_WARN };

struct diag {
    /* file: config source name; line: 1-based or 0; field: e.g. "kernel.memory_regions[1]" or NULL. */
    void (*report)(void *ctx, enum diag_level level, const char *file, int line, const char *field,
                   const char *msg);
    void *ctx;
    unsigned errors; /* incremented by diag_error */
    unsigned warnings;
};

void diag_error(struct diag *d, const char *file, int line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void diag_warn(struct diag *d, const char *file, int line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
