/* The bench guests' output (docs/bench.md, "Output"), one copy for every architecture's
 * guests/bench/main*.c: a BENCH line per result, through cvisor's console hypercall under cvisor
 * (each line comes out tagged [vmN]) and straight to the UART on bare QEMU. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <lib/types.h>

extern bool bench_under_cvisor; /* set by the guest once it knows */
extern unsigned bench_errors;   /* BENCH-ERROR lines so far */

/* "cvisor" or "bare": the env= of every line */
const char *bench_env(void);
void bench_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* BENCH-ERROR env=... <what>, counted in bench_errors */
void bench_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* BENCH name=<name> value=<tenths / 10>.<tenths % 10> unit=instructions env=... [extra] */
void bench_result(const char *name, u64 tenths, const char *extra);

#endif
