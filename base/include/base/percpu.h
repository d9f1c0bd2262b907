/* Per-CPU data of the base. The app keeps its own per-CPU state in arrays indexed by cpu_id(). */
#ifndef BASE_PERCPU_H
#define BASE_PERCPU_H

#include <arch/cpu.h>
#include <lib/types.h>

#define MAX_CPUS 8
#define CPU_STACK_SIZE (32 * 1024)

struct percpu {
    u32 id;          /* logical CPU number, 0 = boot CPU */
    u64 hwid;        /* hardware CPU id (the DTB's cpu reg: e.g. an MPIDR, a hart id, an APIC id) */
    bool online;
};

extern struct percpu percpu_data[MAX_CPUS];

/* This CPU's per-CPU data and logical number (inline: used on every exit). */
static inline struct percpu *this_cpu(void) { return (struct percpu *)arch_percpu_ptr(); }
static inline u32 cpu_id(void) { return this_cpu()->id; }
u32 cpu_count(void);       /* CPUs described by the DTB (capped at MAX_CPUS) */
u64 cpu_hwid(u32 cpu);
void percpu_set_count(u32 n); /* boot: CPUs found in the DTB */

#endif
