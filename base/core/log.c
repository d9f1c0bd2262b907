/* Leveled log with one line format for the whole hypervisor. */
#include <base/console.h>
#include <base/log.h>
#include <base/percpu.h>
#include <base/timer.h>
#include <lib/fmt.h>

/* Zero-initialised (set by log_init, first thing at boot) so that the image carries no data
 * section: on aarch64 that would pad the read-only data to a page (docs/bench.md, Footprint). */
enum log_level log_level_current;

void log_init(void) { log_level_current = LOG_DEFAULT_LEVEL; }

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};
static const char level_letters[] = "EWIDT";

void log_set_level(enum log_level level) { log_level_current = level; }
const char *log_level_name(enum log_level level) { return level_names[level]; }

static int format_prefix(char *buf, size_t size, enum log_level level, long vm_id)
{
    u64 ns = timer_ns();
    unsigned long long sec = ns / 1000000000ull, usec = (ns / 1000ull) % 1000000ull;
    if (vm_id >= 0)
        return fmt_snprintf(buf, size, "[%5llu.%06llu] cpu%u vm%ld %c: ", sec, usec, cpu_id(), vm_id,
                            level_letters[level]);
    return fmt_snprintf(buf, size, "[%5llu.%06llu] cpu%u %c: ", sec, usec, cpu_id(), level_letters[level]);
}

static void to_console(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    console_write_unlocked(s, len);
}

/* A line of any length comes out whole (a config error naming a long path and what would be
 * valid is no exception), and with the console held no other CPU's output gets in between. */
static void log_vwrite(enum log_level level, long vm_id, const char *fmt, va_list ap)
{
    char prefix[64];
    int n = format_prefix(prefix, sizeof(prefix), level, vm_id);
    console_begin();
    console_write_unlocked(prefix, (size_t)MIN(n, (int)sizeof(prefix) - 1));
    fmt_vprint(to_console, NULL, fmt, ap);
    console_write_unlocked("\n", 1);
    console_end();
}

void log_write(enum log_level level, long vm_id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, vm_id, fmt, ap);
    va_end(ap);
}
