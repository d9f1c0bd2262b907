/* Hostile test guest (docs/isolation.md). Its config picks the attack with `hostile=MODE` on the
 * command line (cmdline, seen in the generated device tree's /chosen/bootargs); configs without
 * a device tree pick by VM id (5: probe, 6: spin, others: off). Each mode prints what it found
 * through the console hypercall, for the system tests to check:
 *   off        power off at once (configs that must be refused before they run).
 *   probe      read the whole guest-physical address space (1 GiB steps up to 512 GiB, 2 MiB
 *              steps below 4 GiB); with invalid_access = "abort" every access outside its memory
 *              comes back as an external abort, counted and skipped.
 *   spin       mask every interrupt and spin forever on a pCPU shared with other VMs.
 *   dbg-set    leave hardware breakpoint, watchpoint and PMU state behind, then power off.
 *   dbg-check  after a while on the same pCPU: read that state (it must be the reset values),
 *              enable debug for itself and run the code the other VM set a breakpoint on (no
 *              breakpoint of another VM may fire), check its own breakpoint does fire, and read
 *              the cycle counter from EL0 (must trap: PMUSERENR is reset).
 *   scan       count non-zero words in its RAM (outside its image and device tree): every page
 *              a VM sees first must read as zero. scan-reset: then SYSTEM_RESET, forever.
 *              scan-wait-reset: the same, each run first busy for 300 ms (LAZY RAM zeroed
 *              meanwhile by an idle pCPU hosting its other vCPU).
 *   tty        write terminal escape sequences through the console hypercall and its UART.
 *   stream     print numbered lines through its UART, 1 ms apart, then "stream done": while the
 *              console focus moves to and from it, not one byte may be lost or reordered.
 *   uart       set every interrupt enable of the PL011 at 0x0900_0000, then keep printing.
 *   uartregs   for each register x0-x30: fill them all with patterns, store the register's low
 *              byte to the PL011's DR (a character of its own, '@' + n) and load FR into it;
 *              every other register must keep its pattern and it must read FR (cvisor serves
 *              these in its exit vector, with only part of the register file saved).
 *   gicr       disable every SGI and PPI in pCPU 0's GICv3 redistributor at 0x080a_0000.
 *   runq       vCPU 0 starts every other vCPU (up to 16), each checks in and turns off.
 *   conbuf     console hypercall on a buffer in a MapReserved region at 4 GiB (outside RAM).
 *   resv       (with at=ADDR) a MapReserved region over RAM the host DTB reserves: the first
 *              time, it shows what firmware left there, writes over it and resets the VM; after
 *              the restart the region must read as zero.
 *   restart    two vCPUs racing CPU_ON/CPU_OFF and touching all of RAM, then SYSTEM_RESET;
 *              forever. */
#include "guest.h"
#include <lib/string.h>

#define RAM_BASE 0x40000000ul
#define RAM_SIZE 0x01000000ul
#define UART_BASE 0x09000000ul
#define STREAM_LINES 3000
#define GICR0_SGI_BASE (0x080a0000ul + 0x10000ul)

extern char __bss_end[];
extern char hostile_vectors[];
extern char el0_read_pmccntr[];
u64 run_el0(void *fn, void *stack);

/* ---- exceptions ---- */

volatile u64 aborts;          /* synchronous external aborts (probe) */
volatile u64 foreign_hits;    /* breakpoints at foreign_target: set by another VM */
volatile u64 own_hits;        /* breakpoints at own_target: set by this VM */
volatile u64 watch_hits;      /* watchpoints: this VM sets none */
volatile u64 el0_pmu_traps;   /* EL0 PMU accesses trapped to EL1 */
volatile u64 unexpected_esr;

__attribute__((noinline)) u64 foreign_target(u64 x)
{
    __asm__ volatile("" ::: "memory");
    return x * 3 + 1;
}

__attribute__((noinline)) u64 own_target(u64 x)
{
    __asm__ volatile("" ::: "memory");
    return x * 5 + 2;
}

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define SPSR_D (1ul << 9)

/* Called from the vectors below with the saved general registers; returns to ELR_EL1. */
void hostile_trap(u64 kind, u64 *regs)
{
    (void)regs;
    u64 esr, elr, spsr;
    __asm__ volatile("mrs %0, esr_el1; mrs %1, elr_el1; mrs %2, spsr_el1" : "=r"(esr), "=r"(elr), "=r"(spsr));
    u32 ec = ESR_EC(esr);
    if (kind == 0x200 && (ec == 0x25 || ec == 0x21)) { /* data/instruction abort at EL1: skip */
        aborts++;
        elr += 4;
    } else if (kind == 0x200 && ec == 0x31) { /* hardware breakpoint at EL1 */
        if (elr == (u64)foreign_target)
            foreign_hits++;
        else if (elr == (u64)own_target)
            own_hits++;
        else
            unexpected_esr = esr;
        spsr |= SPSR_D; /* run on with debug exceptions masked; the caller unmasks again */
    } else if (kind == 0x200 && ec == 0x35) { /* watchpoint at EL1: skip the access */
        watch_hits++;
        elr += 4;
    } else if (kind == 0x400 && (ec == 0x18 || ec == 0x00)) { /* EL0 PMU access trapped */
        el0_pmu_traps++;
        elr += 4;
    } else if (kind == 0x400 && ec == 0x15) { /* SVC from EL0: back to run_el0's caller */
        extern char el0_return[];
        elr = (u64)el0_return;
        spsr = 0x3c5; /* EL1h, DAIF masked */
    } else {
        unexpected_esr = esr;
        elr += 4;
    }
    __asm__ volatile("msr elr_el1, %0; msr spsr_el1, %1" ::"r"(elr), "r"(spsr));
}

/* EL1 vectors: current EL with SPx (0x200) and lower EL AArch64 (0x400) synchronous exceptions
 * go to hostile_trap; nothing else is expected. run_el0 enters EL0 at fn with its own stack;
 * the EL0 code ends with SVC, which resumes run_el0's caller with x0 as EL0 left it. */
__asm__(".section .text.vectors, \"ax\"\n"
        ".balign 2048\n"
        ".global hostile_vectors\n"
        "hostile_vectors:\n"
        ".org hostile_vectors + 0x200\n"
        "    sub sp, sp, #256\n"
        "    stp x0, x1, [sp]\n"
        "    mov x0, #0x200\n"
        "    b trap_common\n"
        ".org hostile_vectors + 0x400\n"
        "    sub sp, sp, #256\n"
        "    stp x0, x1, [sp]\n"
        "    mov x0, #0x400\n"
        "    b trap_common\n"
        ".org hostile_vectors + 0x800\n"
        "trap_common:\n"
        "    stp x2, x3, [sp, #16]\n"
        "    stp x4, x5, [sp, #32]\n"
        "    stp x6, x7, [sp, #48]\n"
        "    stp x8, x9, [sp, #64]\n"
        "    stp x10, x11, [sp, #80]\n"
        "    stp x12, x13, [sp, #96]\n"
        "    stp x14, x15, [sp, #112]\n"
        "    stp x16, x17, [sp, #128]\n"
        "    stp x18, x19, [sp, #144]\n"
        "    stp x29, x30, [sp, #160]\n"
        "    mov x1, sp\n"
        "    bl hostile_trap\n"
        "    ldp x2, x3, [sp, #16]\n"
        "    ldp x4, x5, [sp, #32]\n"
        "    ldp x6, x7, [sp, #48]\n"
        "    ldp x8, x9, [sp, #64]\n"
        "    ldp x10, x11, [sp, #80]\n"
        "    ldp x12, x13, [sp, #96]\n"
        "    ldp x14, x15, [sp, #112]\n"
        "    ldp x16, x17, [sp, #128]\n"
        "    ldp x18, x19, [sp, #144]\n"
        "    ldp x29, x30, [sp, #160]\n"
        "    ldp x0, x1, [sp]\n"
        "    add sp, sp, #256\n"
        "    eret\n"
        ".global run_el0\n"
        "run_el0:\n"
        "    stp x29, x30, [sp, #-96]!\n"
        "    stp x19, x20, [sp, #16]\n"
        "    stp x21, x22, [sp, #32]\n"
        "    stp x23, x24, [sp, #48]\n"
        "    stp x25, x26, [sp, #64]\n"
        "    stp x27, x28, [sp, #80]\n"
        "    msr elr_el1, x0\n"
        "    msr sp_el0, x1\n"
        "    mov x2, #0x3c0\n" /* EL0t, DAIF masked */
        "    msr spsr_el1, x2\n"
        "    eret\n"
        ".global el0_return\n"
        "el0_return:\n"
        "    ldp x19, x20, [sp, #16]\n"
        "    ldp x21, x22, [sp, #32]\n"
        "    ldp x23, x24, [sp, #48]\n"
        "    ldp x25, x26, [sp, #64]\n"
        "    ldp x27, x28, [sp, #80]\n"
        "    ldp x29, x30, [sp], #96\n"
        "    ret\n"
        ".global el0_read_pmccntr\n"
        "el0_read_pmccntr:\n"
        "    mov x0, #0\n"
        "    mrs x0, pmccntr_el0\n"
        "    svc #0\n"
        ".text\n");

/* ---- the command line ---- */

static u32 be32(const void *p)
{
    const u8 *b = p;
    return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* /chosen/bootargs of the generated device tree (any node's "bootargs" will do), or "". */
static const char *bootargs(u64 dtb)
{
    if (!dtb || be32((void *)dtb) != 0xd00dfeed)
        return "";
    const char *base = (const char *)dtb;
    const char *strings = base + be32(base + 12);
    const u8 *p = (const u8 *)base + be32(base + 8);
    for (int steps = 0; steps < 100000; steps++) {
        u32 tok = be32(p);
        p += 4;
        if (tok == 1) { /* BEGIN_NODE: name, NUL, padding */
            p += (strlen((const char *)p) + 4) & ~3ul;
        } else if (tok == 3) { /* PROP: len, nameoff, value */
            u32 len = be32(p), name = be32(p + 4);
            if (!strcmp(strings + name, "bootargs"))
                return (const char *)p + 8;
            p += 8 + ((len + 3) & ~3u);
        } else if (tok != 2 && tok != 4) {
            break; /* END or garbage */
        }
    }
    return "";
}

/* The value of "hostile=" in the command line, copied into buf. */
static const char *mode_of(const char *args, char *buf, size_t size)
{
    const char *m = args;
    size_t n = 0;
    while (*m && strncmp(m, "hostile=", 8) != 0)
        m++;
    if (*m)
        for (m += 8; *m && *m != ' ' && n + 1 < size; m++)
            buf[n++] = *m;
    buf[n] = '\0';
    return buf;
}

/* The hex value of "key=" in the command line, or 0. */
static u64 arg_hex(const char *args, const char *key)
{
    size_t k = strlen(key);
    for (const char *p = args; *p; p++) {
        if (strncmp(p, key, k) != 0 || (p != args && p[-1] != ' '))
            continue;
        u64 v = 0;
        for (p += k + (p[k] == '0' && p[k + 1] == 'x' ? 2 : 0);; p++) {
            int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : *p == '_' ? -2 : -1;
            if (d == -1)
                return v;
            if (d >= 0)
                v = v << 4 | (u64)d;
        }
    }
    return 0;
}

/* ---- probe and spin ---- */

static u64 probe(u64 addr, u64 *readable_outside)
{
    u64 before = aborts;
    u64 v = *(volatile u64 *)addr;
    (void)v;
    bool ok = aborts == before;
    if (ok && (addr < RAM_BASE || addr >= RAM_BASE + RAM_SIZE))
        (*readable_outside)++;
    return ok;
}

static void probe_everything(void)
{
    u64 n = 0, readable = 0, outside = 0;
    for (u64 a = 0; a < (1ull << 39); a += 1ull << 30, n++)
        readable += probe(a, &outside);
    for (u64 a = 0; a < (4ull << 30); a += 2ull << 20, n++)
        readable += probe(a, &outside);
    gprintf("hostile: probed %llu addresses: %llu readable, %llu outside my memory, %llu aborted\n",
            (unsigned long long)n, (unsigned long long)readable, (unsigned long long)outside,
            (unsigned long long)aborts);
}

static void __attribute__((noreturn)) spin(long id)
{
    gprintf("hostile: vm%ld spinning with interrupts masked\n", id);
    __asm__ volatile("msr daifset, #0xf");
    for (;;)
        __asm__ volatile("" ::: "memory");
}

/* ---- debug and PMU state ---- */

#define MDSCR_KDE (1ul << 13)
#define MDSCR_MDE (1ul << 15)
#define BCR_EXEC_EL1_EL0 (1ul | 3ul << 1 | 0xful << 5) /* E, PMC = EL1 and EL0, BAS = all */
#define WCR_RW_EL1_EL0 (1ul | 3ul << 1 | 3ul << 3 | 0xfful << 5) /* E, PAC, LSC = load+store, BAS */

#define RD(reg) ({ u64 __v; __asm__ volatile("mrs %0, " #reg : "=r"(__v)); __v; })
#define WR(reg, v) __asm__ volatile("msr " #reg ", %0; isb" ::"r"((u64)(v)) : "memory")

static volatile u64 watched;

static void debug_set(void)
{
    WR(oslar_el1, 0);
    WR(dbgbvr0_el1, (u64)foreign_target);
    WR(dbgbcr0_el1, BCR_EXEC_EL1_EL0);
    WR(dbgwvr0_el1, (u64)&watched);
    WR(dbgwcr0_el1, WCR_RW_EL1_EL0);
    WR(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    WR(pmuserenr_el0, 0xf);      /* EL0 may read and write every counter */
    WR(pmselr_el0, 3);
    WR(pmccfiltr_el0, 1ul << 30); /* U: not at EL0 */
    WR(pmevtyper0_el0, 0x11);    /* CPU cycles */
    WR(pmcntenset_el0, 1ul << 31 | 1);
    WR(pmcr_el0, 1);             /* E: counters on */
    gprintf("hostile: dbg-set: breakpoint at %#lx, watchpoint, PMU on and open to EL0; powering off\n",
            (unsigned long)foreign_target);
}

static void debug_check(void)
{
    guest_delay_ms(300); /* dbg-set runs on this pCPU meanwhile (time slices) and ends */
    u64 c0 = RD(pmccntr_el0);
    guest_delay_ms(1);
    u64 c1 = RD(pmccntr_el0);
    gprintf("hostile: dbg-check: bvr0 %#llx bcr0 %#llx wvr0 %#llx wcr0 %#llx mdscr %#llx oslk %llu\n",
            (unsigned long long)RD(dbgbvr0_el1), (unsigned long long)RD(dbgbcr0_el1),
            (unsigned long long)RD(dbgwvr0_el1), (unsigned long long)RD(dbgwcr0_el1),
            (unsigned long long)RD(mdscr_el1), (unsigned long long)((RD(oslsr_el1) >> 1) & 1));
    gprintf("hostile: dbg-check: pmcr.e %llu pmcnten %#llx pmuserenr %#llx pmselr %llu pmccfiltr %#llx "
            "pmevtyper0 %#llx cycle counter %s\n",
            (unsigned long long)(RD(pmcr_el0) & 1), (unsigned long long)RD(pmcntenset_el0),
            (unsigned long long)RD(pmuserenr_el0), (unsigned long long)RD(pmselr_el0),
            (unsigned long long)RD(pmccfiltr_el0), (unsigned long long)RD(pmevtyper0_el0),
            c1 != c0 ? "running" : "stopped");
    /* Debug on for this VM, as a kernel debugger would: no breakpoint of another VM may fire. */
    WR(oslar_el1, 0);
    WR(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    __asm__ volatile("msr daifclr, #8; isb");
    u64 r = foreign_target(1);
    __asm__ volatile("msr daifclr, #8; isb");
    watched = r; /* a foreign watchpoint would fire here */
    /* Its own breakpoint works. */
    WR(dbgbvr1_el1, (u64)own_target);
    WR(dbgbcr1_el1, BCR_EXEC_EL1_EL0);
    r += own_target(2);
    __asm__ volatile("msr daifclr, #8; isb");
    WR(dbgbcr1_el1, 0);
    __asm__ volatile("msr daifset, #8");
    /* EL0 reads the cycle counter: must trap, its kernel never opened the PMU to EL0. */
    static u64 el0_stack[64] __attribute__((aligned(16)));
    run_el0(el0_read_pmccntr, el0_stack + 64);
    gprintf("hostile: dbg-check: foreign breakpoint hits %llu, watchpoint hits %llu, own breakpoint hits %llu, "
            "EL0 cycle counter reads trapped %llu, unexpected ESR %#llx, result %llu\n",
            (unsigned long long)foreign_hits, (unsigned long long)watch_hits, (unsigned long long)own_hits,
            (unsigned long long)el0_pmu_traps,
            (unsigned long long)unexpected_esr, (unsigned long long)r);
}

/* ---- memory ---- */

static void scan(u64 dtb, bool reset)
{
    u64 dtb_end = dtb ? dtb + be32((void *)(dtb + 4)) : 0;
    u64 image_lo = (u64)hostile_vectors & ~0xffffful, image_hi = ((u64)__bss_end + 0xfff) & ~0xffful;
    u64 nonzero = 0, first = 0, first_val = 0, words = 0;
    for (u64 a = RAM_BASE; a < RAM_BASE + RAM_SIZE; a += 8) {
        if ((a >= dtb && a < dtb_end) || (a >= image_lo && a < image_hi))
            continue;
        u64 v = *(volatile u64 *)a;
        words++;
        if (v && !nonzero++) {
            first = a;
            first_val = v;
        }
    }
    gprintf("hostile: scan: %llu of %llu words non-zero (first at %#llx: %#llx)\n", (unsigned long long)nonzero,
            (unsigned long long)words, (unsigned long long)first, (unsigned long long)first_val);
    /* Leave data behind for whatever gets this memory next. */
    for (u64 a = RAM_BASE; a < RAM_BASE + RAM_SIZE; a += 4096)
        if (!((a >= dtb && a < dtb_end) || (a >= image_lo && a < image_hi)))
            *(volatile u64 *)a = 0x5ca1ab1e00000000ull | a;
    if (reset)
        psci(PSCI_SYSTEM_RESET_FID, 0, 0, 0);
}

/* ---- console ---- */

static void uart_raw(const char *s)
{
    volatile u32 *dr = (volatile u32 *)UART_BASE, *fr = (volatile u32 *)(UART_BASE + 0x18);
    for (; *s; s++) {
        while (*fr & (1u << 5))
            ;
        *dr = (u8)*s;
    }
}

static void tty(void)
{
    /* Clear screen, window title (OSC), 8-bit CSI, a bell, colours: none may reach the terminal. */
    gprintf("hostile: tty-hc [\x1b[2J\x1b]0;PWNED-HC\x07\x9b" "31m\x1b[31mred\x07\x08\x7f] end\n");
    uart_raw("hostile: tty-uart [\x1b]0;PWNED-UART\x07\x1b[2J\x1b[?25l\x0e] end\r\n");
    gprintf("hostile: tty: done\n");
    for (;;) {
        guest_delay_ms(200);
        uart_raw("hostile: tty-uart tick \x1b[0m\r\n"); /* raw control, fine once it has the focus */
    }
}

static void stream(void)
{
    for (int i = 0; i < STREAM_LINES; i++) {
        uart_printf("hostile: stream %d\n", i);
        guest_delay_ms(1);
    }
    uart_printf("hostile: stream done\n");
    for (;;)
        guest_delay_ms(1000);
}

/* ---- devices of the hypervisor ---- */

static void uart_irqs(void)
{
    volatile u32 *imsc = (volatile u32 *)(UART_BASE + 0x38), *cr = (volatile u32 *)(UART_BASE + 0x30);
    *imsc = 0x7ff;             /* every interrupt the PL011 has */
    *cr = *cr | 1u << 8 | 1u;  /* TXE, UARTEN */
    for (int i = 0; i < 5; i++) {
        gprintf("hostile: uart: interrupt enables %#x, still running %d\n", *imsc, i);
        guest_delay_ms(100);
    }
}

static void gicr_attack(void)
{
    volatile u32 *icenabler0 = (volatile u32 *)(GICR0_SGI_BASE + 0x180);
    *icenabler0 = ~0u;
    gprintf("hostile: gicr: pCPU 0's SGIs and PPIs disabled\n");
}

/* ---- uartregs: the console UART's accesses from every register ---- */

#define UR_PAT(n) (0xc0de000000000000ull | (u64)(n) << 16 | (0x40u + (n)))
/* uartregs_probe(n, dump): x0-x30 set to UR_PAT(i), except the base register (x9, or x10 for
 * n = 9) set to UART_BASE; then `strb wn, [base]` and `ldr wn, [base, #0x18]`; all 31 registers
 * as they are then go to dump[0..30]. Callee-saved registers and the link register are kept in
 * its frame. */
void uartregs_probe(u64 n, u64 *dump);
#define UR_FILL ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n" \
                "    ldr x\\r, =(0xc0de000000000000 | (\\r << 16) | (0x40 + \\r))\n"                          \
                ".endr\n"
__asm__(".text\n"
        ".global uartregs_probe\n"
        "uartregs_probe:\n"
        "    sub sp, sp, #112\n"
        "    stp x19, x20, [sp]\n"
        "    stp x21, x22, [sp, #16]\n"
        "    stp x23, x24, [sp, #32]\n"
        "    stp x25, x26, [sp, #48]\n"
        "    stp x27, x28, [sp, #64]\n"
        "    stp x29, x30, [sp, #80]\n"
        "    str x1, [sp, #96]\n"
        "    adr x2, 1f\n"
        "    add x2, x2, x0, lsl #2\n"
        "    br x2\n"
        "1:\n"
        ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n"
        "    b ur_probe_\\n\n"
        ".endr\n"
        ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n"
        "ur_probe_\\n:\n"
        UR_FILL
        ".if \\n == 9\n"
        "    movz x10, #0x900, lsl #16\n"
        "    strb w\\n, [x10]\n"
        "    ldr w\\n, [x10, #0x18]\n"
        ".else\n"
        "    movz x9, #0x900, lsl #16\n"
        "    strb w\\n, [x9]\n"
        "    ldr w\\n, [x9, #0x18]\n"
        ".endif\n"
        "    b ur_dump\n"
        "    .ltorg\n"
        ".endr\n"
        "ur_dump:\n"
        "    sub sp, sp, #256\n"
        "    stp x0, x1, [sp]\n"
        "    stp x2, x3, [sp, #16]\n"
        "    stp x4, x5, [sp, #32]\n"
        "    stp x6, x7, [sp, #48]\n"
        "    stp x8, x9, [sp, #64]\n"
        "    stp x10, x11, [sp, #80]\n"
        "    stp x12, x13, [sp, #96]\n"
        "    stp x14, x15, [sp, #112]\n"
        "    stp x16, x17, [sp, #128]\n"
        "    stp x18, x19, [sp, #144]\n"
        "    stp x20, x21, [sp, #160]\n"
        "    stp x22, x23, [sp, #176]\n"
        "    stp x24, x25, [sp, #192]\n"
        "    stp x26, x27, [sp, #208]\n"
        "    stp x28, x29, [sp, #224]\n"
        "    str x30, [sp, #240]\n"
        "    ldr x1, [sp, #256 + 96]\n"
        "    mov x2, #0\n"
        "2:  ldr x3, [sp, x2, lsl #3]\n"
        "    str x3, [x1, x2, lsl #3]\n"
        "    add x2, x2, #1\n"
        "    cmp x2, #31\n"
        "    b.ne 2b\n"
        "    add sp, sp, #256\n"
        "    ldp x19, x20, [sp]\n"
        "    ldp x21, x22, [sp, #16]\n"
        "    ldp x23, x24, [sp, #32]\n"
        "    ldp x25, x26, [sp, #48]\n"
        "    ldp x27, x28, [sp, #64]\n"
        "    ldp x29, x30, [sp, #80]\n"
        "    add sp, sp, #112\n"
        "    ret\n");

static void uartregs(void)
{
    u64 dump[31];
    unsigned wrong = 0;
    u32 fr = *(volatile u32 *)(UART_BASE + 0x18);
    uart_printf("hostile: uartregs: ");
    for (u64 n = 0; n < 31; n++) {
        uartregs_probe(n, dump);
        for (u64 r = 0; r < 31; r++) {
            u64 want = r == n ? fr : r == (n == 9 ? 10u : 9u) ? UART_BASE : UR_PAT(r);
            if (dump[r] != want) {
                gprintf("hostile: uartregs: x%llu after the accesses from x%llu: %#llx, want %#llx\n",
                        (unsigned long long)r, (unsigned long long)n, (unsigned long long)dump[r],
                        (unsigned long long)want);
                wrong++;
            }
        }
    }
    uart_printf("\n");
    gprintf("hostile: uartregs: 31 registers checked, %u wrong\n", wrong);
}

/* ---- vCPUs ---- */

enum { MODE_OTHER, MODE_RUNQ, MODE_RESTART };
static volatile int mode_id; /* for the secondary vCPUs */
static volatile u64 arrived[16];

static void runq(void)
{
    u32 started = 0;
    for (u64 i = 1; i < 16; i++)
        if (guest_cpu_on(i, i) == 0)
            started++;
    u64 end = guest_counter() + guest_counter_freq() * 30;
    u32 seen = 0;
    while (guest_counter() < end) {
        seen = 0;
        for (u32 i = 1; i < 16; i++)
            seen += arrived[i] != 0;
        if (seen == started)
            break;
    }
    gprintf("hostile: runq: vm%ld started %u vCPUs, %u checked in\n", hypercall(HC_VM_ID, 0, 0), started, seen);
}

void guest_secondary_main(u64 vcpu)
{
    if (mode_id == MODE_RUNQ && vcpu < 16)
        arrived[vcpu] = 1;
    if (mode_id == MODE_RESTART) /* touch the upper half of RAM, then turn off again */
        for (u64 a = RAM_BASE + RAM_SIZE / 2; a < RAM_BASE + RAM_SIZE; a += 4096)
            *(volatile u64 *)a = a;
}

static void restart_stress(void)
{
    /* vCPU 1 comes and goes while vCPU 0 touches the other half of RAM, then the VM resets. */
    for (int i = 0; i < 20; i++) {
        guest_cpu_on(1, 1);
        for (u64 a = RAM_BASE + 0x200000 + (u64)i * 0x8000; a < RAM_BASE + RAM_SIZE / 2; a += 0x40000)
            *(volatile u64 *)a = a;
    }
    psci(PSCI_SYSTEM_RESET_FID, 0, 0, 0);
}

/* ---- entry ---- */

void guest_main(u64 dtb)
{
    __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(hostile_vectors));
    long id = hypercall(HC_VM_ID, 0, 0);
    char buf[32];
    const char *mode = mode_of(bootargs(dtb), buf, sizeof(buf));
    if (!*mode)
        mode = id == 5 ? "probe" : id == 6 ? "spin" : "off";
    if (!strcmp(mode, "off")) {
        gprintf("hostile: vm%ld ran\n", id);
    } else if (!strcmp(mode, "probe")) {
        probe_everything();
    } else if (!strcmp(mode, "spin")) {
        spin(id);
    } else if (!strcmp(mode, "dbg-set")) {
        debug_set();
    } else if (!strcmp(mode, "dbg-check")) {
        debug_check();
    } else if (!strcmp(mode, "scan") || !strcmp(mode, "scan-reset")) {
        scan(dtb, !strcmp(mode, "scan-reset"));
    } else if (!strcmp(mode, "scan-wait-reset")) {
        guest_delay_ms(300);
        scan(dtb, true);
    } else if (!strcmp(mode, "tty")) {
        tty();
    } else if (!strcmp(mode, "stream")) {
        stream();
    } else if (!strcmp(mode, "uart")) {
        uart_irqs();
    } else if (!strcmp(mode, "uartregs")) {
        uartregs();
    } else if (!strcmp(mode, "gicr")) {
        gicr_attack();
        spin(id);
    } else if (!strcmp(mode, "runq")) {
        mode_id = MODE_RUNQ;
        runq();
    } else if (!strcmp(mode, "conbuf")) {
        long r = hypercall(HC_CONSOLE_WRITE, 0x100000000ul, 16);
        gprintf("hostile: conbuf: console write from a MapReserved region outside RAM returned %ld\n", r);
    } else if (!strcmp(mode, "resv")) {
        volatile u64 *r = (volatile u64 *)arg_hex(bootargs(dtb), "at=");
        u64 v0 = r[0], v1 = r[1];
        if (v0) {
            gprintf("hostile: resv: first use: firmware data %#llx %#llx\n", (unsigned long long)v0,
                    (unsigned long long)v1);
            r[0] = 0;
            r[1] = 0x5ca1ab1e;
            psci(PSCI_SYSTEM_RESET_FID, 0, 0, 0);
        }
        gprintf("hostile: resv: after the restart: %#llx %#llx\n", (unsigned long long)v0, (unsigned long long)v1);
    } else if (!strcmp(mode, "restart")) {
        mode_id = MODE_RESTART;
        restart_stress();
    } else {
        gprintf("hostile: unknown mode '%s'\n", mode);
    }
    guest_system_off();
}
