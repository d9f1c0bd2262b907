/* Traps of the riscv64 base: interrupts go to the interrupt controller's dispatch; any other
 * trap is the base faulting, reported readably (cause, faulting address, pc, registers), then
 * fatal. A trap from a lower privilege level (a guest, once the hypervisor runs one) is fatal
 * here too until the hypervisor's own handling exists. */
#include <arch/asm_offsets.h>
#include <arch/csr.h>
#include <base/console.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <lib/fmt.h>

struct trap_frame {
    u64 x[31]; /* x1..x31: x[i] is register i + 1 */
    u64 sepc, sstatus, scause, stval;
    u64 pad; /* keeps sp 16-byte aligned */
};
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, sepc) == TF_SEPC, "asm offsets");
_Static_assert(__builtin_offsetof(struct trap_frame, stval) == TF_STVAL, "asm offsets");

void trap_handler(struct trap_frame *f);

static const char *cause_name(u64 code)
{
    switch (code) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store/AMO address misaligned";
    case 7: return "store/AMO access fault";
    case 8: return "environment call from U-mode";
    case 9: return "environment call from S-mode";
    case 10: return "environment call from VS-mode";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store/AMO page fault";
    case 20: return "instruction guest-page fault";
    case 21: return "load guest-page fault";
    case 22: return "virtual instruction";
    case 23: return "store/AMO guest-page fault";
    default: return "reserved";
    }
}

/* Writes one formatted line without the console lock: the lock holder may be this CPU. */
static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write_unlocked(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static const char *const reg_names[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
                                          "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
                                          "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

void trap_handler(struct trap_frame *f)
{
    if (f->scause & SCAUSE_INTERRUPT) {
        irq_dispatch();
        return;
    }
    u64 code = f->scause & ~SCAUSE_INTERRUPT;
    const char *from = (f->sstatus & SSTATUS_SPP) ? "HS-mode" : "a lower privilege level";
    out("\n*** cvisor: fatal exception from %s on cpu%u ***\n", from, cpu_id());
    out("scause %016llx: %s\n", (unsigned long long)f->scause, cause_name(code));
    out("stval %016llx  sepc %016llx  sstatus %016llx\n", (unsigned long long)f->stval,
        (unsigned long long)f->sepc, (unsigned long long)f->sstatus);
    for (int i = 1; i < 32; i += 2) {
        if (i == 31)
            out("%-4s %016llx\n", reg_names[i], (unsigned long long)f->x[i - 1]);
        else
            out("%-4s %016llx  %-4s %016llx\n", reg_names[i], (unsigned long long)f->x[i - 1], reg_names[i + 1],
                (unsigned long long)f->x[i]);
    }
    panic("unrecoverable exception in HS-mode");
}
