/* x86_64 test guest of string port I/O (INS/OUTS), which cvisor emulates from the instruction:
 * REP OUTSB into its 16550 in loopback mode and REP INSB back out of it (the bytes and their
 * order), backwards with RFLAGS.DF, through an FS segment override (its base from the FS_BASE
 * MSR), with a 32-bit address size (0x67: ESI and ECX only, written back zero-extended), 16- and
 * 32-bit elements through the PCI configuration ports, a REP with RCX = 0 (nothing moves), the
 * registers after each; then the hostile case: REP OUTSB from the last 16 bytes of its RAM with
 * RCX = 2^64-1, running off the end of its memory, which ends it with cvisor's report. */
#include "guest.h"

#define COM1 0x3f8
#define UART_LSR 5
#define UART_MCR 4
#define UART_FCR 2
#define MCR_LOOP 0x10
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define MSR_FS_BASE 0xc0000100u
#define RAM_END 0x1000000ul

static unsigned wrong;

static void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static u8 inb(u16 port)
{
    u8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void check(bool ok, const char *what)
{
    gprintf("strio: %s: %s\n", what, ok ? "ok" : "WRONG");
    wrong += !ok;
}

static bool same(const u8 *a, const u8 *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* What the 16550 looped back, byte by byte through REP INSB (n at most its 16-byte FIFO). */
static void read_back(u8 *out, u64 n)
{
    u8 *p = out;
    __asm__ volatile("rep insb" : "+D"(p), "+c"(n) : "d"((u16)COM1) : "memory");
}

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
    static const u8 msg[] = "REP OUTSB ok";
    u8 got[16] = {0};
    outb(COM1 + UART_FCR, 0x07);     /* FIFOs on and cleared */
    outb(COM1 + UART_MCR, MCR_LOOP); /* transmitted bytes come back as received ones */

    const u8 *src = msg;
    u64 n = sizeof(msg) - 1;
    __asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"((u16)COM1) : "memory");
    read_back(got, sizeof(msg) - 1);
    check(same(got, msg, sizeof(msg) - 1) && src == msg + sizeof(msg) - 1 && n == 0,
          "REP OUTSB then REP INSB, 12 bytes through the loopback, RSI and RCX after");

    /* Backwards (DF set): from the last byte down, so the loopback holds the text reversed. */
    static const u8 rev[] = "drawkcab";
    src = rev + sizeof(rev) - 2;
    n = sizeof(rev) - 1;
    __asm__ volatile("std; rep outsb; cld" : "+S"(src), "+c"(n) : "d"((u16)COM1) : "memory");
    read_back(got, sizeof(rev) - 1);
    check(same(got, (const u8 *)"backward", 8) && src == rev - 1, "REP OUTSB with DF set steps down");

    /* FS override: the source is FS:RSI, FS's base from the MSR. */
    static const u8 fsmsg[] = "fs-base";
    u64 base = (u64)(unsigned long)fsmsg;
    __asm__ volatile("wrmsr" ::"c"(MSR_FS_BASE), "a"((u32)base), "d"((u32)(base >> 32)));
    src = 0;
    n = sizeof(fsmsg) - 1;
    __asm__ volatile("rep outsb %%fs:(%%rsi), (%%dx)" : "+S"(src), "+c"(n) : "d"((u16)COM1) : "memory");
    read_back(got, sizeof(fsmsg) - 1);
    check(same(got, fsmsg, sizeof(fsmsg) - 1) && (u64)(unsigned long)src == sizeof(fsmsg) - 1,
          "REP OUTSB through an FS override");

    /* 32-bit address size: ESI and ECX only; the upper halves are ignored and cleared. */
    static const u8 a32[] = "addr32";
    u64 rsi = 0xdead000000000000ull | (u64)(unsigned long)a32, rcx = 0xbeef000000000000ull | (sizeof(a32) - 1);
    __asm__ volatile("addr32 rep outsb" : "+S"(rsi), "+c"(rcx) : "d"((u16)COM1) : "memory");
    read_back(got, sizeof(a32) - 1);
    check(same(got, a32, sizeof(a32) - 1) && rsi == (u64)(unsigned long)a32 + sizeof(a32) - 1 && rcx == 0,
          "addr32 REP OUTSB uses ESI and ECX");

    /* REP with RCX = 0: nothing moves, the instruction completes. */
    src = msg;
    n = 0;
    __asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"((u16)COM1) : "memory");
    check(src == msg && !(inb(COM1 + UART_LSR) & 1), "REP OUTSB with RCX = 0 moves nothing");
    outb(COM1 + UART_MCR, 0);

    /* 32-bit elements: REP OUTSD of three addresses into CONFIG_ADDRESS keeps the last; REP
     * INSD reads it back twice; 16-bit: INSW of the host bridge's vendor and device ids. */
    static const u32 addrs[3] = {0x80001000u, 0x80002000u, 0x80000000u};
    u32 back[2] = {0};
    u16 ids[2] = {0};
    const u32 *s32 = addrs;
    u32 *d32 = back;
    n = 3;
    __asm__ volatile("rep outsl" : "+S"(s32), "+c"(n) : "d"((u16)PCI_ADDR) : "memory");
    n = 2;
    __asm__ volatile("rep insl" : "+D"(d32), "+c"(n) : "d"((u16)PCI_ADDR) : "memory");
    u16 *d16 = ids;
    __asm__ volatile("insw" : "+D"(d16) : "d"((u16)PCI_DATA) : "memory");
    __asm__ volatile("insw" : "+D"(d16) : "d"((u16)(PCI_DATA + 2)) : "memory");
    gprintf("strio: CONFIG_ADDRESS %#x %#x, host bridge %04x:%04x\n", back[0], back[1], ids[0], ids[1]);
    check(back[0] == 0x80000000u && back[1] == 0x80000000u && s32 == addrs + 3 && d32 == back + 2 &&
          d16 == ids + 2 && ids[0] == 0x1b36 && ids[1] == 0x0008,
          "REP OUTSD, REP INSD and INSW through the PCI configuration ports");
    gprintf("strio: done, %u wrong\n", wrong);

    /* Hostile: from the last 16 bytes of RAM onwards, 2^64-1 bytes to the scratch register. */
    src = (const u8 *)(RAM_END - 16);
    n = ~0ull;
    gprintf("strio: REP OUTSB from %#lx with RCX = %#llx\n", (unsigned long)src, (unsigned long long)n);
    __asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"((u16)(COM1 + 7)) : "memory");
    gprintf("strio: UNREACHABLE, RCX %#llx\n", (unsigned long long)n);
    guest_system_off();
}
