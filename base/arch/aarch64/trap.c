/* Fatal EL2 exception report: the hypervisor itself faulted. Decodes ESR_EL2 so the report
 * says what happened, not just a number, then stops the machine. */
#include <arch/asm_offsets.h>
#include <arch/sysreg.h>
#include <base/console.h>
#include <base/log.h>
#include <base/percpu.h>
#include <lib/fmt.h>

struct trap_frame {
    u64 x[31];
    u64 elr, spsr, esr, far;
    u64 pad; /* keeps sp 16-byte aligned */
};
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap frame layout");

static const char *ec_name(u32 ec)
{
    switch (ec) {
    case EC_UNKNOWN: return "unknown reason (undefined instruction?)";
    case EC_WFX: return "WFI/WFE";
    case EC_FP: return "FP/SIMD access";
    case EC_ILLEGAL: return "illegal execution state";
    case EC_SVC64: return "SVC";
    case EC_HVC64: return "HVC";
    case EC_SMC64: return "SMC";
    case EC_SYSREG: return "system register access";
    case EC_IABT_LOW: return "instruction abort from lower EL";
    case EC_IABT_CUR: return "instruction abort at EL2";
    case EC_PC_ALIGN: return "PC alignment fault";
    case EC_DABT_LOW: return "data abort from lower EL";
    case EC_DABT_CUR: return "data abort at EL2";
    case EC_SP_ALIGN: return "SP alignment fault";
    case EC_SERROR: return "SError";
    case EC_BRK64: return "BRK";
    default: return "other";
    }
}

static const char *fault_status_name(u32 fsc)
{
    switch (fsc & 0x3c) {
    case 0x04: return "translation fault";
    case 0x08: return "access flag fault";
    case 0x0c: return "permission fault";
    case 0x10: return "synchronous external abort";
    case 0x20: return "alignment fault";
    default: return "other fault";
    }
}

static const char *kind_name(u64 kind)
{
    static const char *const names[] = {"synchronous", "IRQ", "FIQ", "SError"};
    return names[kind & 3];
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

void trap_el2_fatal(struct trap_frame *f, u64 kind) __attribute__((noreturn));
void trap_el2_fatal(struct trap_frame *f, u64 kind)
{
    u32 ec = ESR_EC(f->esr);
    const char *from = (kind & 16) ? "AArch32 lower EL" : (kind & 8) ? "lower EL" : (kind & 4) ? "EL2 (SP0)" : "EL2";
    out("\n*** cvisor: fatal %s exception from %s on cpu%u ***\n", kind_name(kind), from, cpu_id());
    out("ESR_EL2 %016llx  EC 0x%02x: %s, IL=%u, ISS 0x%07llx\n", (unsigned long long)f->esr, ec,
        ec_name(ec), (unsigned)((f->esr >> 25) & 1), (unsigned long long)ESR_ISS(f->esr));
    if (ec == EC_DABT_CUR || ec == EC_IABT_CUR || ec == EC_DABT_LOW || ec == EC_IABT_LOW)
        out("  %s, %s access\n", fault_status_name((u32)f->esr & 0x3f),
            (ec == EC_DABT_CUR || ec == EC_DABT_LOW) ? ((f->esr & (1u << 6)) ? "write" : "read") : "fetch");
    out("FAR %016llx  ELR %016llx  SPSR %016llx\n", (unsigned long long)f->far, (unsigned long long)f->elr,
        (unsigned long long)f->spsr);
    for (int i = 0; i < 31; i += 2) {
        if (i == 30)
            out("x30 %016llx  sp  %016llx\n", (unsigned long long)f->x[30],
                (unsigned long long)((u64)(uintptr_t)f + sizeof(*f)));
        else
            out("x%-2d %016llx  x%-2d %016llx\n", i, (unsigned long long)f->x[i], i + 1,
                (unsigned long long)f->x[i + 1]);
    }
    panic("unrecoverable exception at EL2");
}
