/* A fatal condition in the base or the app: report, stop the other CPUs, power off. Kept out of
 * log.c so that logging depends on nothing that logs (the interrupt controller, SMP). */
#include <base/console.h>
#include <base/log.h>
#include <base/percpu.h>
#include <base/platform.h>
#include <base/smp.h>
#include <lib/fmt.h>

void panic(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_snprintf(line, sizeof(line), "cvisor PANIC on cpu%u: ", cpu_id());
    n += fmt_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    console_write_unlocked(line, (size_t)n);
    smp_stop_others();
    platform_poweroff_failure();
}
