/* hello's aarch64 checks: its PL011 (the config passes the host console's address, where the
 * hypervisor, which keeps that UART, gives it an emulated PL011), PSCI's answers, and that the
 * calls the exit fast path answers change x0 only. */
#include "guest.h"

void hello_arch(long id, u64 boot_arg);

/* An HVC with function id fid and every other general register (x1-x17) set to a known value:
 * returns x0, and whether the call left x1-x17 as they were (SMCCC 1.1 keeps x4-x17; cvisor's
 * answers to these calls change only x0). Covers the exit fast path and the full one alike. */
static long call_keeps_registers(u64 fid, bool *kept)
{
    u64 after[18];
    register u64 x0 __asm__("x0") = fid;
    register u64 *out __asm__("x19") = after;
    __asm__ volatile(
                     "mov x1, #0x101\n"
                     "mov x2, #0x202\n"
                     "mov x3, #0x303\n"
                     "mov x4, #0x404\n"
                     "mov x5, #0x505\n"
                     "mov x6, #0x606\n"
                     "mov x7, #0x707\n"
                     "mov x8, #0x808\n"
                     "mov x9, #0x909\n"
                     "mov x10, #0xa0a\n"
                     "mov x11, #0xb0b\n"
                     "mov x12, #0xc0c\n"
                     "mov x13, #0xd0d\n"
                     "mov x14, #0xe0e\n"
                     "mov x15, #0xf0f\n"
                     "mov x16, #0x1010\n"
                     "mov x17, #0x1111\n"
                     "hvc #0\n"
                     "stp x1, x2, [x19, #8]\n"
                     "stp x3, x4, [x19, #24]\n"
                     "stp x5, x6, [x19, #40]\n"
                     "stp x7, x8, [x19, #56]\n"
                     "stp x9, x10, [x19, #72]\n"
                     "stp x11, x12, [x19, #88]\n"
                     "stp x13, x14, [x19, #104]\n"
                     "stp x15, x16, [x19, #120]\n"
                     "str x17, [x19, #136]\n"
                     : "+r"(x0)
                     : "r"(out)
                     : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x16", "x17", "memory");
    *kept = true;
    for (u64 i = 1; i < 18; i++)
        *kept = *kept && after[i] == i * 0x101;
    return (long)x0;
}

static void check_quick_calls(void)
{
    static const struct {
        const char *name;
        u64 fid;
    } calls[] = {
        {"HC_NULL", 0xc6000100}, {"HC_NULL/32", 0x86000100}, {"PSCI_VERSION", 0x84000000},
        {"SMCCC_VERSION", 0x80000000}, {"HC_VCPU_ID", 0xc6000104},
    };
    for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        bool kept;
        long r = call_keeps_registers(calls[i].fid, &kept);
        gprintf("hello: %s -> %#lx, x1-x17 %s\n", calls[i].name, r, kept ? "kept" : "CHANGED");
    }
}

void hello_arch(long id, u64 boot_arg)
{
    (void)boot_arg;
    uart_printf("hello: vm%ld writes straight to its PL011\n", id);
    long ver = psci(PSCI_VERSION_FID, 0, 0, 0);
    gprintf("hello: PSCI version %ld.%ld, SYSTEM_OFF feature %ld, unknown hypercall -> %ld\n", ver >> 16,
            ver & 0xffff, psci(PSCI_FEATURES_FID, PSCI_SYSTEM_OFF_FID, 0, 0), hypercall(999, 0, 0));
    check_quick_calls();
    /* axvisor's codes keep axvisor's meaning: 0 is its HypervisorDisable, which cvisor refuses,
     * in the SMCCC form and in axvisor's bare form (x0 = the code) alike. */
    gprintf("hello: axvisor code 0 -> %ld, bare -> %ld\n", hypercall(0, 0, 0), psci(0, 0, 0, 0));
}
