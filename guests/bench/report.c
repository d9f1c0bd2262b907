/* The bench guests' output: see report.h. */
#include <stdarg.h>

#include "guest.h"
#include "report.h"
#include <lib/fmt.h>

bool bench_under_cvisor;
unsigned bench_errors;

const char *bench_env(void) { return bench_under_cvisor ? "cvisor" : "bare"; }

static void vsay(const char *fmt, va_list ap)
{
    char buf[256];
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n < 0)
        return;
    if (bench_under_cvisor)
        gprintf("%s", buf);
    else
        uart_printf("%s", buf);
}

void bench_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

void bench_fail(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    bench_errors++;
    bench_say("BENCH-ERROR env=%s %s\n", bench_env(), buf);
}

void bench_result(const char *name, u64 tenths, const char *extra)
{
    bench_say("BENCH name=%s value=%llu.%llu unit=instructions env=%s%s%s\n", name, (unsigned long long)(tenths / 10),
              (unsigned long long)(tenths % 10), bench_env(), extra[0] ? " " : "", extra);
}
