/* Firmware calls of the riscv64 base: the SBI (2.0) powers the machine off or resets it (SRST)
 * and serves the timer and IPIs when the CPU cannot do them itself; smp_start.c starts the other
 * harts through it (HSM). A leaf: it uses no other part of the base, so the timer and the log
 * may call it. */
#include <arch/cpu.h>
#include <arch/sbi.h>
#include <base/platform.h>

#define SBI_EXT_LEGACY_SHUTDOWN 0x08

struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2)
{
    register u64 r0 __asm__("a0") = a0;
    register u64 r1 __asm__("a1") = a1;
    register u64 r2 __asm__("a2") = a2;
    register u64 r6 __asm__("a6") = fid;
    register u64 r7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
    return (struct sbiret){(long)r0, (long)r1};
}

void sbi_set_timer(u64 stime) { sbi_call(SBI_EXT_TIME, 0, stime, 0, 0); }
void sbi_send_ipi(u64 hart_mask, u64 hart_mask_base) { sbi_call(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0); }

static __attribute__((noreturn)) void system_reset(u64 type)
{
    sbi_call(SBI_EXT_SRST, 0, type, 0, 0);
    if (type == SBI_SRST_SHUTDOWN)
        sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0); /* firmware without SRST */
    arch_cpu_halt();
}

void platform_poweroff(void) { system_reset(SBI_SRST_SHUTDOWN); }
void platform_reset(void) { system_reset(SBI_SRST_COLD_REBOOT); }
