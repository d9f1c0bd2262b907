/* x86_64 hostile test guest for the MMIO path: its config says invalid_access = "abort", so an
 * access outside its RAM is answered as a PC's bus answers it (reads all ones, writes dropped)
 * instead of ending the VM. Every access is a nested page fault whose instruction cvisor fetches
 * and decodes in software (no decode assists under TCG): each MOV form below must leave its
 * register exactly as the CPU would (widths, high-byte registers, zero and sign extension,
 * 32-bit writes clearing the upper half) and resume at the next instruction. Then it probes
 * guest-physical space from the end of its RAM to 4 GiB: nothing but all ones may come back. */
#include "guest.h"

#define PROBE 0x40000000ul /* 1 GiB: outside the VM's 16 MiB of RAM, inside the guest's identity map */
#define OLD 0x1122334455667788ull

static unsigned wrong;

static void check(const char *what, u64 got, u64 want)
{
    gprintf("mmioprobe: %-22s -> %#llx %s\n", what, (unsigned long long)got, got == want ? "ok" : "WRONG");
    wrong += got != want;
}

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
    volatile u8 *p = (volatile u8 *)PROBE;
    u64 r;
    r = OLD; __asm__ volatile("movb (%1), %%al" : "+a"(r) : "r"(p) : "memory");
    check("movb (m), %al", r, 0x11223344556677ffull);
    r = OLD; __asm__ volatile("movb (%1), %%ah" : "+a"(r) : "c"(p) : "memory"); /* no REX: AH */
    check("movb (m), %ah", r, 0x112233445566ff88ull);
    r = OLD; __asm__ volatile("movw (%1), %%ax" : "+a"(r) : "r"(p) : "memory");
    check("movw (m), %ax", r, 0x112233445566ffffull);
    r = OLD; __asm__ volatile("movl (%1), %%eax" : "+a"(r) : "r"(p) : "memory");
    check("movl (m), %eax", r, 0xffffffffull);
    r = OLD; __asm__ volatile("movq 8(%1), %%rax" : "+a"(r) : "r"(p) : "memory");
    check("movq 8(m), %rax", r, ~0ull);
    r = OLD; __asm__ volatile("movzbl (%1), %%eax" : "+a"(r) : "r"(p) : "memory");
    check("movzbl (m), %eax", r, 0xffull);
    r = OLD; __asm__ volatile("movzwq (%1), %%rax" : "+a"(r) : "r"(p) : "memory");
    check("movzwq (m), %rax", r, 0xffffull);
    r = OLD; __asm__ volatile("movsbw (%1), %%ax" : "+a"(r) : "r"(p) : "memory");
    check("movsbw (m), %ax", r, 0x112233445566ffffull);
    r = OLD; __asm__ volatile("movswl (%1), %%eax" : "+a"(r) : "r"(p) : "memory");
    check("movswl (m), %eax", r, 0xffffffffull);
    r = OLD; __asm__ volatile("movslq (%1), %%rax" : "+a"(r) : "r"(p) : "memory");
    check("movslq (m), %rax", r, ~0ull);
    r = OLD; __asm__ volatile("mov %%rax, %%r9; movq (%1,%2,8), %%r9; mov %%r9, %%rax"
                              : "+a"(r) : "r"(p), "r"(2ul) : "r9", "memory");
    check("movq (m,idx,8), %r9", r, ~0ull);
    r = OLD; __asm__ volatile("movabsl 0x40000000, %%eax" : "+a"(r) :: "memory");
    check("movabs moffs, %eax", r, 0xffffffffull);
    /* Stores are dropped; the instruction after each must run (RIP moved by its length). */
    r = 0;
    __asm__ volatile("movl $0x12345678, 16(%1); inc %0; movb %b0, (%1); inc %0; movq %0, 0x100(%1); inc %0"
                     : "+r"(r) : "r"(p) : "memory");
    check("3 stores, 3 increments", r, 3);

    unsigned probes = 0, leaks = 0;
    for (u64 a = GUEST_RAM_END; a < 0x100000000ull; a += 0x1000000) {
        u64 v = *(volatile u64 *)a;
        probes++;
        if (v != ~0ull) {
            leaks++;
            gprintf("mmioprobe: guest-physical %#llx read %#llx\n", (unsigned long long)a, (unsigned long long)v);
        }
    }
    gprintf("mmioprobe: %u probes of [16 MiB, 4 GiB): %u not all ones\n", probes, leaks);
    gprintf("mmioprobe: done, %u wrong\n", wrong + leaks);
    guest_system_off();
}
