#include <lib/diag.h>
#include <lib/fmt.h>

static void diag_emit(struct diag *d, enum diag_level level, const char *file, int line,
                      const char *field, const char *fmt, va_list ap)
{
    char msg[512]; /* the longest: two paths (127 bytes each) and a sentence saying what is valid */
    fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
    if (d && d->report)
        d->report(d->ctx, level, file, line, field, msg);
}

void diag_error(struct diag *d, const char *file, int line, const char *field, const char *fmt, ...)
{
    va_list ap;
    if (d)
        d->errors++;
    va_start(ap, fmt);
    diag_emit(d, DIAG_ERROR, file, line, field, fmt, ap);
    va_end(ap);
}

void diag_warn(struct diag *d, const char *file, int line, const char *field, const char *fmt, ...)
{
    va_list ap;
    if (d)
        d->warnings++;
    va_start(ap, fmt);
    diag_emit(d, DIAG_WARN, file, line, field, fmt, ap);
    va_end(ap);
}
