#include <arch/asm_offsets.h>
#include <arch/cpu.h>
#include <base/percpu.h>

struct percpu percpu_data[MAX_CPUS];
_Static_assert(sizeof(struct percpu) == PERCPU_SIZE, "percpu size shared with boot.S");
_Static_assert(CPU_STACK_SIZE == CPU_STACK_SIZE_ASM, "stack size shared with boot.S");

/* Stacks of all CPUs; boot.S gives CPU n the top of stack n. */
u8 cpu_stacks[MAX_CPUS][CPU_STACK_SIZE] __attribute__((aligned(16)));

/* Set at boot (percpu_set_count(1) before the CPUs are found): zero-initialised, like every
 * other variable of the base, so that the image has no data section. */
static u32 cpus_present;

u32 cpu_count(void) { return cpus_present; }
u64 cpu_hwid(u32 cpu) { return percpu_data[cpu].hwid; }

void percpu_set_count(u32 n) { cpus_present = n; }
