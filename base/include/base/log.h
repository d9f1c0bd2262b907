/* Leveled hypervisor log. Every line: "[   1.234567] cpuN[ vmM] L: message".
 * The build-time LOG= level (LOG_DEFAULT_LEVEL) is the most verbose the image can print: the
 * messages above it are not compiled in (a LOG=info image carries no debug or trace strings);
 * log_set_level can lower the level at run time. */
#ifndef BASE_LOG_H
#define BASE_LOG_H

#include <lib/types.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

#ifndef LOG_DEFAULT_LEVEL
#define LOG_DEFAULT_LEVEL LOG_TRACE /* a build that names no level (host tests): no ceiling */
#endif

#define LOG_NO_VM (-1)

extern enum log_level log_level_current;

/* Sets the build's level; called first at boot (before it, only errors are printed). */
void log_init(void);
void log_set_level(enum log_level level);
const char *log_level_name(enum log_level level);
/* vm_id < 0 means "not about a VM". */
void log_write(enum log_level level, long vm_id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_enabled(level) ((level) <= LOG_DEFAULT_LEVEL && (level) <= log_level_current)
#define LOG_AT(level, vm, ...)                                                                             \
    do {                                                                                                   \
        if (log_enabled(level))                                                                            \
            log_write(level, vm, __VA_ARGS__);                                                             \
    } while (0)

#define pr_err(...) LOG_AT(LOG_ERROR, LOG_NO_VM, __VA_ARGS__)
#define pr_warn(...) LOG_AT(LOG_WARN, LOG_NO_VM, __VA_ARGS__)
#define pr_info(...) LOG_AT(LOG_INFO, LOG_NO_VM, __VA_ARGS__)
#define pr_debug(...) LOG_AT(LOG_DEBUG, LOG_NO_VM, __VA_ARGS__)
#define pr_trace(...) LOG_AT(LOG_TRACE, LOG_NO_VM, __VA_ARGS__)

/* Unconditional: a fatal condition in the hypervisor itself. Prints and halts every CPU. */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
