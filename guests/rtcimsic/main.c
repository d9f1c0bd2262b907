/* riscv64 test guest for a device interrupt through an IMSIC guest interrupt file (AIA,
 * interrupt_mode = "passthrough", docs/riscv64.md "AIA"). Given the host's goldfish RTC by
 * device-tree path, it finds its IMSIC in the generated device tree, turns on its interrupt file
 * through siselect/sireg (the hart's vsiselect/vsireg: the file itself, no exit), enables the
 * RTC's identity (its APLIC source number, 11) and takes the alarm twice as a supervisor external
 * interrupt, claimed through stopei (vstopei); a third time it waits in an SBI HSM retentive
 * suspend instead of WFI, so the vCPU halts in the hypervisor and only the guest file's interrupt
 * (hgeie: the supervisor guest external interrupt) can wake it. Without an RTC in its tree (the hostile VM of the
 * test) it instead reaches for what is not its own: the host APLIC's window, which must end it. */
#include "guest.h"
#include <lib/fdt.h>

#define RTC_TIME_LOW 0x00
#define RTC_TIME_HIGH 0x04
#define RTC_ALARM_LOW 0x08
#define RTC_ALARM_HIGH 0x0c
#define RTC_IRQ_ENABLED 0x10
#define RTC_CLEAR_INTERRUPT 0x1c
#define HOST_APLIC_S 0x0d000000ul
#define SIE_SEIE (1ul << 9)
#define ALARM_NS 20000000ull
#define ISEL_EIDELIVERY 0x70
#define ISEL_EITHRESHOLD 0x72
#define ISEL_EIE0 0xc0

static volatile u32 *reg(unsigned long a) { return (volatile u32 *)a; }

static void file_write(unsigned long isel, unsigned long v)
{
    __asm__ volatile("csrw 0x150, %0\n csrw 0x151, %1" ::"r"(isel), "r"(v) : "memory"); /* siselect, sireg */
}

static unsigned long file_read(unsigned long isel)
{
    unsigned long v;
    __asm__ volatile("csrw 0x150, %1\n csrr %0, 0x151" : "=r"(v) : "r"(isel) : "memory");
    return v;
}

static unsigned claim(void)
{
    unsigned long top;
    __asm__ volatile("csrrw %0, 0x15c, zero" : "=r"(top)::"memory"); /* stopei: read and claim */
    return (unsigned)(top >> 16) & 0x7ff;
}

static void alarm_once(unsigned long rtc, int n, bool suspend)
{
    u64 now = *reg(rtc + RTC_TIME_LOW); /* reading the low word latches the high one */
    now |= (u64)*reg(rtc + RTC_TIME_HIGH) << 32;
    u64 alarm = now + ALARM_NS, t0 = guest_counter();
    *reg(rtc + RTC_IRQ_ENABLED) = 1;
    *reg(rtc + RTC_ALARM_HIGH) = (u32)(alarm >> 32);
    *reg(rtc + RTC_ALARM_LOW) = (u32)alarm; /* arms it */
    long suspended = 0;
    if (suspend) /* retentive: returns once an interrupt is pending (sstatus.SIE is off here) */
        suspended = sbi(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0, 0, 0).error;
    unsigned long cause = guest_wait_interrupt();
    u64 us = (guest_counter() - t0) * 1000000 / guest_counter_freq();
    unsigned id = claim();
    *reg(rtc + RTC_CLEAR_INTERRUPT) = 1;
    unsigned again = claim();
    gprintf("rtcimsic: alarm %d%s: scause %#lx after %llu us, claimed identity %u from the interrupt file, then %u\n",
            n, suspend ? (suspended ? " (suspend refused)" : " (HSM suspend)") : "", cause, (unsigned long long)us, id,
            again);
}

void guest_main(u64 dtb)
{
    struct fdt f;
    if (!dtb || fdt_open(&f, (const void *)(unsigned long)dtb, 0x10000) != 0) {
        gprintf("rtcimsic: no device tree\n");
        guest_system_off();
    }
    int imsic = fdt_find_compatible(&f, -1, "riscv,imsics");
    u64 ibase = 0, isize = 0;
    u32 ids = 0;
    if (imsic < 0 || !fdt_reg(&f, imsic, 0, &ibase, &isize) || !fdt_prop_u32(&f, imsic, "riscv,num-ids", &ids)) {
        gprintf("rtcimsic: no IMSIC in the device tree\n");
        guest_system_off();
    }
    gprintf("rtcimsic: IMSIC at %#llx (%#llx bytes), %u identities\n", (unsigned long long)ibase,
            (unsigned long long)isize, ids);
    int rtc = fdt_find_compatible(&f, -1, "google,goldfish-rtc");
    u64 rtc_base;
    size_t len = 0;
    const u8 *irqs = rtc >= 0 ? fdt_prop(&f, rtc, "interrupts", &len) : NULL;
    if (rtc < 0 || !fdt_reg(&f, rtc, 0, &rtc_base, NULL) || !irqs || len < 4) {
        gprintf("rtcimsic: no RTC: reading the host APLIC at %#lx\n", HOST_APLIC_S);
        gprintf("rtcimsic: read %#x (must not be reached)\n", *reg(HOST_APLIC_S));
        guest_system_off();
    }
    /* The first cell of the host's specifier is the APLIC source: the identity it sends. */
    unsigned id = (unsigned)irqs[0] << 24 | (unsigned)irqs[1] << 16 | (unsigned)irqs[2] << 8 | irqs[3];
    file_write(ISEL_EIDELIVERY, 1);
    file_write(ISEL_EITHRESHOLD, 0);
    file_write(ISEL_EIE0 + 2 * (id / 64), 1ul << (id % 64));
    gprintf("rtcimsic: eidelivery %lu, eie0 %#lx\n", file_read(ISEL_EIDELIVERY), file_read(ISEL_EIE0));
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE));
    alarm_once(rtc_base, 1, false);
    alarm_once(rtc_base, 2, false);
    alarm_once(rtc_base, 3, true);
    guest_system_off();
}
