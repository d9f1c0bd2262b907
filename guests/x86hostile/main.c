/* x86_64 hostile test guest: tries what a guest of an SVM hypervisor must not get, and reports
 * what happened. Every SVM instruction (they take host-physical addresses and the host's GIF),
 * MONITOR/MWAIT and XSETBV must raise #UD in the guest; MSRs cvisor does not give a guest (SVM's
 * host save area, VM_CR, the local APIC moved, EFER.SVME, non-canonical bases) #GP; its own FS
 * and GS bases must survive exits (the world switch swaps them: the host's GS is its per-CPU
 * pointer). Then it writes all ones to every register of its virtual local APIC and reads them
 * all, and finally makes a 1-byte APIC access, which the APIC model refuses: cvisor must end this
 * VM with a report while the other VM goes on. Every vector from 0x20 it did not program has a
 * gate that counts what arrives there: none may (with the local APIC passed through, a host
 * IPI left pending on its pCPU would come in that way). It ends with a self-IPI pending. */
#include "guest.h"

#define LAPIC 0xfee00000ul
#define STORM_STACK_TOP 0x900000ul /* in its 16 MiB of RAM, far above its image and stack */

volatile u64 skip_len;
volatile unsigned ud_count, gp_count, timer_count;
__asm__(".text\n.global isr_ud\nisr_ud:\n"
        "push %rax\nmov skip_len(%rip), %rax\nadd %rax, 8(%rsp)\nincl ud_count(%rip)\npop %rax\niretq\n"
        ".global isr_gp\nisr_gp:\nadd $8, %rsp\n"
        "push %rax\nmov skip_len(%rip), %rax\nadd %rax, 8(%rsp)\nincl gp_count(%rip)\npop %rax\niretq\n"
        ".global isr_timer\nisr_timer:\nincl timer_count(%rip)\npush %rax\nmov $0xfee000b0, %eax\nmovl $0, (%rax)\npop %rax\niretq\n");
/* A 16-byte stub per vector from 0x20 to 0xfe: the vector pushed, then the common part, which
 * counts it, keeps the last one and ends it (EOI). */
volatile unsigned foreign_count, foreign_vector;
__asm__(".text\n.balign 16\n.global isr_foreign_stubs\nisr_foreign_stubs:\n"
        ".set vec, 0x20\n.rept 0xff - 0x20\n.balign 16\npushq $vec\njmp isr_foreign\n.set vec, vec + 1\n.endr\n"
        "isr_foreign:\npush %rax\nmov 8(%rsp), %rax\nmov %eax, foreign_vector(%rip)\nincl foreign_count(%rip)\n"
        "mov $0xfee000b0, %eax\nmovl $0, (%rax)\npop %rax\nadd $8, %rsp\niretq\n");
extern char isr_ud[], isr_gp[], isr_timer[], isr_foreign_stubs[];
static u64 idt[256 * 2] __attribute__((aligned(16)));

static void set_gate(unsigned vec, void *fn)
{
    u64 a = (u64)(unsigned long)fn;
    idt[vec * 2] = (a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((a >> 16) & 0xffff) << 48;
    idt[vec * 2 + 1] = a >> 32;
}

static bool try_wrmsr(u32 msr, u64 v)
{
    unsigned before = gp_count;
    skip_len = 2;
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
    return gp_count == before;
}

static bool try_rdmsr(u32 msr, u64 *v)
{
    unsigned before = gp_count;
    u32 lo = 0, hi = 0;
    skip_len = 2;
    __asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    *v = lo | (u64)hi << 32;
    return gp_count == before;
}

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } idtr = {sizeof(idt) - 1, (u64)(unsigned long)idt};
    for (unsigned vec = 0x20; vec < 0xff; vec++)
        set_gate(vec, isr_foreign_stubs + (vec - 0x20) * 16);
    set_gate(6, isr_ud);
    set_gate(13, isr_gp);
    set_gate(0x40, isr_timer);
    __asm__ volatile("lidt %0" ::"m"(idtr));

    /* vmrun, vmload, vmsave, stgi, clgi, skinit, invlpga (rax = an address in the host's
     * memory: it must never be used), monitor, mwait, xsetbv */
    static const char *const names[] = {"vmrun", "vmload", "vmsave", "stgi", "clgi", "skinit", "invlpga",
                                        "monitor", "mwait", "xsetbv"};
    skip_len = 3;
    u64 host_addr = 0x100000;
    __asm__ volatile("vmrun" ::"a"(host_addr) : "memory");
    __asm__ volatile("vmload" ::"a"(host_addr) : "memory");
    __asm__ volatile("vmsave" ::"a"(host_addr) : "memory");
    __asm__ volatile("stgi" ::: "memory");
    __asm__ volatile("clgi" ::: "memory");
    __asm__ volatile("skinit" ::"a"(host_addr) : "memory");
    __asm__ volatile("invlpga" ::"a"(host_addr), "c"(0) : "memory");
    __asm__ volatile("monitor" ::"a"(host_addr), "c"(0), "d"(0) : "memory");
    __asm__ volatile("mwait" ::"a"(0), "c"(0) : "memory");
    __asm__ volatile("xsetbv" ::"a"(7), "c"(0), "d"(0) : "memory");
    gprintf("x86hostile: %u of %zu privileged instructions (%s ... %s) gave #UD\n", ud_count,
            sizeof(names) / sizeof(names[0]), names[0], names[9]);

    unsigned refused = 0, tries = 0;
    u64 v;
    tries++, refused += !try_wrmsr(0xc0010117, 0x100000);      /* VM_HSAVE_PA: the host save area */
    tries++, refused += !try_rdmsr(0xc0010117, &v);
    tries++, refused += !try_wrmsr(0xc0010114, 0);             /* VM_CR */
    tries++, refused += !try_wrmsr(0xc0000080, 0x1d01);        /* EFER with SVME */
    tries++, refused += !try_wrmsr(0xc0000101, 0x8000000000000000ull); /* GS base, non-canonical */
    tries++, refused += !try_wrmsr(0x1b, 0xfec00900);          /* the APIC moved */
    tries++, refused += !try_wrmsr(0x1b, 0xfee00d00);          /* x2APIC mode */
    tries++, refused += !try_wrmsr(0x3a, 0x5);                 /* an MSR it has not (FEATURE_CONTROL) */
    gprintf("x86hostile: %u of %u MSR accesses refused with #GP\n", refused, tries);

    bool kept = try_wrmsr(0xc0000101, 0xdead0000ull) && try_wrmsr(0xc0000100, 0xbeef0000ull);
    for (int i = 0; i < 5; i++)
        hypercall(HC_NULL, 0, 0); /* exits, each through the world switch */
    u64 gs = 0, fs = 0;
    kept = kept && try_rdmsr(0xc0000101, &gs) && try_rdmsr(0xc0000100, &fs);
    gprintf("x86hostile: its own FS/GS bases across exits: %#llx/%#llx\n", (unsigned long long)fs,
            (unsigned long long)gs);

    /* The shortest periodic timer there is (count 1, divide by 1: 16 ns), for 200 ms. */
    *(volatile u32 *)(LAPIC + 0xf0) = 0x1ff;
    *(volatile u32 *)(LAPIC + 0x3e0) = 0xb;
    *(volatile u32 *)(LAPIC + 0x320) = 0x40 | (1u << 17);
    *(volatile u32 *)(LAPIC + 0x380) = 1;
    u64 end = guest_counter() + guest_counter_freq() / 5;
    /* On a stack of its own in a page of RAM nothing touched before, and spinning on the TSC
     * without touching it: the first tick's frame is that page's first access. Where the VM's
     * RAM comes in page by page (x86hostile-pt: "lazy"), that nested page fault comes while the
     * CPU delivers the interrupt, which must be delivered again once the page is in. */
    __asm__ volatile("mov %%rsp, %%r12\n mov %1, %%rsp\n sti\n 1: rdtsc\n shl $32, %%rdx\n or %%rdx, %%rax\n"
                     "cmp %0, %%rax\n jb 1b\n cli\n mov %%r12, %%rsp"
                     :: "r"(end), "r"(STORM_STACK_TOP) : "rax", "rdx", "r12", "memory", "cc");
    *(volatile u32 *)(LAPIC + 0x320) = 0x40 | (1u << 16);
    gprintf("x86hostile: a 16 ns periodic timer for 200 ms: %u interrupts\n", timer_count);
    gprintf("x86hostile: %u interrupt(s) on vectors it did not program (last %#x)\n", foreign_count, foreign_vector);

    for (u32 off = 0; off < 0x1000; off += 0x10)
        if (off != 0xb0 && off != 0x300) /* (an EOI and an IPI each are tried on their own) */
            *(volatile u32 *)(LAPIC + off) = 0xffffffffu;
    u32 sum = 0;
    for (u32 off = 0; off < 0x1000; off += 0x10) {
        u32 r;
        __asm__ volatile("movl (%1), %0" : "=r"(r) : "r"(LAPIC + off) : "memory"); /* a MOV: emulated */
        sum ^= r;
    }
    *(volatile u32 *)(LAPIC + 0xb0) = 0;
    gprintf("x86hostile: every APIC register written and read back (xor %#x)\n", sum);
    /* A self-IPI left pending (interrupts off) for its end, which comes next with the APIC passed
     * through (no I/O APIC): what a guest leaves there must not reach the hypervisor's handlers
     * when it takes the APIC back. */
    *(volatile u32 *)(LAPIC + 0x300) = 0x41 | (1u << 18);
    for (u32 sel = 0; sel < 0x100; sel++) { /* every I/O APIC register index, all ones */
        *(volatile u32 *)0xfec00000ul = sel;
        *(volatile u32 *)0xfec00010ul = 0xffffffffu;
        u32 r;
        __asm__ volatile("movl (%1), %0" : "=r"(r) : "r"(0xfec00010ul) : "memory");
        sum ^= r;
    }
    gprintf("x86hostile: every I/O APIC register written and read back\n");
    gprintf("x86hostile: a 1-byte APIC read next\n");
    u8 b = *(volatile u8 *)(LAPIC + 0x20);
    gprintf("x86hostile: UNREACHABLE after the 1-byte read (%u)\n", b);
    guest_system_off();
}
