/* Per-CPU data of the base. The app keeps its own per-CPU state in arrays indexed by cpu_id(). */
#ifndef BASE_PERCPU_H
#define BASE_PERCPU_H

#include <lib/types.h>

#define MAX_CPUS 8
#define CPU_STACK_SIZE (32 * 1024)

struct percpu {
    u32 id;          /* logical CPU number, 0 = boot CPU */
    u64 hwid;        /* MPIDR affinity (aarch64) / hart id (riscv) */
    bool online;
};

extern struct percpu percpu_data[MAX_CPUS];

u32 cpu_id(void);          /* this CPU's logical number */
struct percpu *this_cpu(void);
u32 cpu_count(void);       /* CPUs described by the DTB (capped at MAX_CPUS) */
u64 cpu_hwid(u32 cpu);

#endif
