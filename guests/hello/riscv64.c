/* hello's riscv64 checks: the SBI cvisor answers (BASE, the legacy console, DBCN, an unknown
 * extension), the device tree it generated (a1), and the timer waking a WFI: once set through SBI
 * TIME, once through stimecmp when the DTB offers Sstc (cvisor sets henvcfg.STCE). */
#include "guest.h"

#include <lib/fdt.h>
#include <lib/string.h>

void hello_arch(long id, u64 boot_arg);

#define SIE_SSIE (1ul << 1)
#define SIP_SSIP (1ul << 1)
#define SIE_STIE (1ul << 5)
#define SBI_EXT_PMU 0x504D55
#define TIMER_WAIT_MS 20

static bool sstc;

static bool contains(const char *s, const char *part)
{
    size_t n = strlen(part);
    for (; *s; s++)
        if (!strncmp(s, part, n))
            return true;
    return false;
}

static void check_dtb(u64 dtb)
{
    struct fdt f;
    if (!dtb || fdt_open(&f, (const void *)(unsigned long)dtb, 0x10000) != 0) {
        gprintf("hello: FAIL no valid device tree at %#llx\n", (unsigned long long)dtb);
        return;
    }
    int cpus = fdt_path_lookup(&f, "/cpus"), n = 0;
    u32 timebase = 0;
    fdt_prop_u32(&f, cpus, "timebase-frequency", &timebase);
    const char *isa = "?", *mmu = "?", *intc = "?";
    for (int c = cpus >= 0 ? fdt_first_child(&f, cpus) : -1; c >= 0; c = fdt_next_sibling(&f, c), n++) {
        if (n)
            continue;
        isa = fdt_prop_string(&f, c, "riscv,isa");
        mmu = fdt_prop_string(&f, c, "mmu-type");
        int ic = fdt_first_child(&f, c);
        intc = ic >= 0 ? fdt_prop_string(&f, ic, "compatible") : NULL;
    }
    isa = isa ? isa : "?", mmu = mmu ? mmu : "?", intc = intc ? intc : "?";
    sstc = contains(isa, "_sstc");
    gprintf("hello: DTB: %d cpus, timebase %u Hz, isa %s, mmu %s, intc %s\n", n, timebase, isa, mmu, intc);
}


static u64 wait_timer_us(bool use_stimecmp, unsigned long *cause)
{
    u64 t0 = guest_counter(), deadline = t0 + guest_counter_freq() * TIMER_WAIT_MS / 1000;
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
    if (use_stimecmp)
        __asm__ volatile("csrw 0x14d, %0" ::"r"(deadline)); /* stimecmp */
    else
        sbi(SBI_EXT_TIME, 0, deadline, 0, 0);
    *cause = guest_wait_interrupt();
    u64 t1 = guest_counter();
    if (use_stimecmp)
        __asm__ volatile("csrw 0x14d, %0" ::"r"(~0ul));
    else
        sbi(SBI_EXT_TIME, 0, ~0ull, 0, 0);
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_STIE));
    return (t1 - t0) * 1000000 / guest_counter_freq();
}

/* The emulated NS16550 at QEMU virt's UART address (its config lists it): THR, polled on LSR. */
#define NS16550_BASE 0x10000000ul
static void ns16550_puts(const char *s)
{
    volatile u8 *thr = (volatile u8 *)NS16550_BASE, *lsr = (volatile u8 *)(NS16550_BASE + 5);
    for (; *s; s++) {
        while (!(*lsr & 0x20))
            ;
        *thr = (u8)*s;
    }
}

void hello_arch(long id, u64 boot_arg)
{
    char line[64];
    fmt_snprintf(line, sizeof(line), "hello: vm%ld writes straight to its NS16550\r\n", id);
    ns16550_puts(line);
    uart_printf("hello: vm%ld writes through the legacy SBI console\n", id);
    static const char msg[] = "hello: and through SBI DBCN\n";
    struct sbiret w = sbi(SBI_EXT_DBCN, SBI_DBCN_WRITE, sizeof(msg) - 1, (u64)(unsigned long)msg, 0);
    struct sbiret ver = sbi(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0);
    gprintf("hello: DBCN wrote %ld bytes (error %ld); SBI spec %ld.%ld, impl %#lx\n", w.value, w.error,
            (ver.value >> 24) & 0x7f, ver.value & 0xffffff, sbi(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0).value);
    gprintf("hello: probe HSM %ld, probe PMU %ld, unknown extension -> %ld, unknown hypercall -> %ld\n",
            sbi(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, SBI_EXT_HSM, 0, 0).value,
            sbi(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, SBI_EXT_PMU, 0, 0).value,
            sbi(0x12345678, 0, 0, 0, 0).error, hypercall(999, 0, 0));
    check_dtb(boot_arg);
    /* An IPI to itself (hart 0 of this VM), taken as a supervisor software interrupt, then
     * acknowledged by clearing sip.SSIP (which cvisor must see); a hart the VM does not have. */
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SSIE));
    long ipi = sbi(SBI_EXT_IPI, 0, 1, 0, 0).error;
    unsigned long cause = guest_wait_interrupt();
    __asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP));
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_SSIE));
    gprintf("hello: SBI IPI to itself -> %ld, interrupt scause %#lx; IPI to hart 5 -> %ld\n", ipi, cause,
            sbi(SBI_EXT_IPI, 0, 1, 5, 0).error);
    gprintf("hello: remote fence.i -> %ld, remote sfence.vma -> %ld, remote hfence.gvma -> %ld\n",
            sbi(SBI_EXT_RFENCE, 0, 1, 0, 0).error, sbi(SBI_EXT_RFENCE, 1, ~0ul, ~0ul, 0).error,
            sbi(SBI_EXT_RFENCE, 3, 1, 0, 0).error);
    u64 us = wait_timer_us(false, &cause);
    gprintf("hello: SBI timer interrupt (scause %#lx) woke WFI after %llu us\n", cause, (unsigned long long)us);
    /* HSM retentive suspend: returns once an enabled interrupt is pending (the timer here). */
    u64 t0 = guest_counter();
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
    sbi(SBI_EXT_TIME, 0, t0 + guest_counter_freq() * TIMER_WAIT_MS / 1000, 0, 0);
    long susp = sbi(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0, 0, 0).error;
    u64 t1 = guest_counter();
    sbi(SBI_EXT_TIME, 0, ~0ull, 0, 0);
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_STIE));
    gprintf("hello: HSM retentive suspend -> %ld after %llu us\n", susp,
            (unsigned long long)((t1 - t0) * 1000000 / guest_counter_freq()));
    if (sstc) {
        us = wait_timer_us(true, &cause);
        gprintf("hello: stimecmp interrupt (scause %#lx) woke WFI after %llu us\n", cause, (unsigned long long)us);
    }
}
