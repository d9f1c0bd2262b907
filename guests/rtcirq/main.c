/* riscv64 test guest for a passed-through device's interrupt: the host's goldfish RTC (QEMU
 * virt, PLIC source 11), given to the VM by device-tree path. Its alarm interrupt is forwarded by
 * cvisor into the VM's vPLIC; the guest takes it as a supervisor external interrupt, claims it,
 * clears the RTC and completes it, twice (the second proves the host source was unmasked again
 * at the completion). */
#include "guest.h"

#define RTC 0x101000ul
#define RTC_TIME_LOW 0x00
#define RTC_TIME_HIGH 0x04
#define RTC_ALARM_LOW 0x08
#define RTC_ALARM_HIGH 0x0c
#define RTC_IRQ_ENABLED 0x10
#define RTC_CLEAR_INTERRUPT 0x1c
#define RTC_SRC 11u
#define PLIC 0x0c000000ul
#define PLIC_ENABLE_S0 (PLIC + 0x2000 + 0x80)   /* hart 0's S-mode context, sources 0..31 */
#define PLIC_THRESHOLD_S0 (PLIC + 0x201000)
#define PLIC_CLAIM_S0 (PLIC + 0x201004)
#define SIE_SEIE (1ul << 9)
#define ALARM_NS 20000000ull

static volatile u32 *reg(unsigned long a) { return (volatile u32 *)a; }


static void alarm_once(int n)
{
    u64 now = *reg(RTC + RTC_TIME_LOW); /* reading the low word latches the high one */
    now |= (u64)*reg(RTC + RTC_TIME_HIGH) << 32;
    u64 alarm = now + ALARM_NS, t0 = guest_counter();
    *reg(RTC + RTC_IRQ_ENABLED) = 1;
    *reg(RTC + RTC_ALARM_HIGH) = (u32)(alarm >> 32);
    *reg(RTC + RTC_ALARM_LOW) = (u32)alarm; /* arms it */
    unsigned long cause = guest_wait_interrupt();
    u64 us = (guest_counter() - t0) * 1000000 / guest_counter_freq();
    u32 src = *reg(PLIC_CLAIM_S0);
    *reg(RTC + RTC_CLEAR_INTERRUPT) = 1;
    u32 again = *reg(PLIC_CLAIM_S0); /* in service: nothing more to claim */
    *reg(PLIC_CLAIM_S0) = src;
    gprintf("rtcirq: alarm %d: scause %#lx after %llu us, claimed source %u, then %u\n", n, cause,
            (unsigned long long)us, src, again);
}

void guest_main(u64 dtb)
{
    (void)dtb;
    *reg(PLIC + 4 * RTC_SRC) = 1;
    *reg(PLIC_ENABLE_S0) = 1u << RTC_SRC;
    *reg(PLIC_THRESHOLD_S0) = 0;
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE));
    alarm_once(1);
    alarm_once(2);
    guest_system_off();
}
