/* Traps of the x86_64 base: vectors from X86_IRQ_VECTOR_BASE up are interrupts, handed to the
 * interrupt controller's driver; an exception is the base faulting, reported readably (vector
 * and name, error code, CR2 for a page fault, RIP, every register), then fatal. */
#include <arch/asm_offsets.h>
#include <arch/x86.h>
#include <arch/x86_cpu.h>
#include <base/console.h>
#include <base/log.h>
#include <base/percpu.h>
#include <drivers/apic.h>
#include <lib/fmt.h>

struct trap_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error;
    u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == TF_VECTOR, "asm offsets");

void x86_trap(struct trap_frame *f);

static const char *const exception_names[32] = {
    "divide error (#DE)", "debug (#DB)", "non-maskable interrupt (NMI)", "breakpoint (#BP)",
    "overflow (#OF)", "bound range exceeded (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
    "double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)", "segment not present (#NP)",
    "stack-segment fault (#SS)", "general protection (#GP)", "page fault (#PF)", "reserved (15)",
    "x87 floating-point error (#MF)", "alignment check (#AC)", "machine check (#MC)", "SIMD floating-point (#XM)",
    "virtualization exception (#VE)", "control protection (#CP)", "reserved (22)", "reserved (23)",
    "reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
    "hypervisor injection (#HV)", "VMM communication (#VC)", "security exception (#SX)", "reserved (31)",
};

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

static bool has_error_code(u64 v) { return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30; }

static void report(const struct trap_frame *f)
{
    typedef unsigned long long ull;
    out("\n*** cvisor: fatal exception on cpu%u: vector %llu, %s ***\n", cpu_id(), (ull)f->vector,
        exception_names[f->vector]);
    if (f->vector == 14)
        out("error code %#llx (%s, %s, %s%s%s)  CR2 %016llx\n", (ull)f->error,
            f->error & 1 ? "protection violation" : "page not present", f->error & 2 ? "write" : "read",
            f->error & 4 ? "user" : "supervisor", f->error & 8 ? ", reserved bit set" : "",
            f->error & 16 ? ", instruction fetch" : "", (ull)read_cr(2));
    else if (has_error_code(f->vector))
        out("error code %#llx\n", (ull)f->error);
    out("RIP %04llx:%016llx  RFLAGS %016llx  RSP %04llx:%016llx\n", (ull)f->cs, (ull)f->rip, (ull)f->rflags,
        (ull)f->ss, (ull)f->rsp);
    out("RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n", (ull)f->rax, (ull)f->rbx, (ull)f->rcx, (ull)f->rdx);
    out("RSI %016llx  RDI %016llx  RBP %016llx  R8  %016llx\n", (ull)f->rsi, (ull)f->rdi, (ull)f->rbp, (ull)f->r8);
    out("R9  %016llx  R10 %016llx  R11 %016llx  R12 %016llx\n", (ull)f->r9, (ull)f->r10, (ull)f->r11, (ull)f->r12);
    out("R13 %016llx  R14 %016llx  R15 %016llx\n", (ull)f->r13, (ull)f->r14, (ull)f->r15);
    out("CR0 %016llx  CR3 %016llx  CR4 %016llx  EFER %016llx\n", (ull)read_cr(0), (ull)read_cr(3), (ull)read_cr(4),
        (ull)rdmsr(MSR_EFER));
}

void x86_trap(struct trap_frame *f)
{
    if (f->vector >= X86_IRQ_VECTOR_BASE) {
        apic_handle_vector((u8)f->vector);
        return;
    }
    if (f->vector == 2)
        return; /* an NMI: another CPU's way in (lapic_send_nmi); arriving here it has done its part */
    report(f);
    panic("unrecoverable exception in the hypervisor");
}
