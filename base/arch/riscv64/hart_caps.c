/* What the boot read of the harts in the firmware's device tree (arch_boot_init fills it in): the
 * time base and whether the CPU has Sstc. Kept apart from the boot code, which logs, because the
 * log's own clock reads the time base. */
#include <arch/timer.h>

u64 riscv_timebase_hz;
bool riscv_has_sstc;
