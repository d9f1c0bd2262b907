/* x86_64 isolation test guest for the FPU/SSE registers, run as two VMs sharing one pCPU: each
 * turns SSE on, checks that it finds its XMM registers clear (nothing another VM left), fills
 * XMM0-XMM15 and the x87 control word with a pattern of its own VM id, then for about a second
 * (many time slices of the other VM) checks that they still hold exactly its pattern. */
#include "guest.h"

static u64 pattern(long id, unsigned reg) { return 0x5ec0000000000000ull | (u64)id << 32 | reg; }

#define FOR_XMM(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

static void load(long id)
{
#define LOAD(n) { u64 v = pattern(id, n); __asm__ volatile("movq %0, %%xmm" #n :: "r"(v)); }
    FOR_XMM(LOAD)
#undef LOAD
}

static unsigned check(long id, bool clear)
{
    unsigned bad = 0;
#define CHECK(n) { u64 v; __asm__ volatile("movq %%xmm" #n ", %0" : "=r"(v)); bad += v != (clear ? 0 : pattern(id, n)); }
    FOR_XMM(CHECK)
#undef CHECK
    return bad;
}

void guest_main(u64 boot_arg)
{
    (void)boot_arg;
    long id = hypercall(HC_VM_ID, 0, 0);
    u64 cr0, cr4;
    __asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
    cr0 = (cr0 & ~(1ull << 2)) | (1ull << 1);  /* EM off, MP on */
    cr4 |= (1ull << 9) | (1ull << 10);         /* OSFXSR, OSXMMEXCPT */
    __asm__ volatile("mov %0, %%cr0; mov %0, %%cr0; mov %1, %%cr4" ::"r"(cr0), "r"(cr4));
    unsigned dirty = check(id, true);
    u16 fcw = (u16)(0x27f | (id << 8 & 0x300)), got;
    __asm__ volatile("fldcw %0" ::"m"(fcw));
    load(id);
    unsigned bad = 0, rounds = 0;
    u64 end = guest_counter() + guest_counter_freq();
    while (guest_counter() < end) {
        bad += check(id, false);
        rounds++;
    }
    __asm__ volatile("fnstcw %0" : "=m"(got));
    gprintf("fpusecret(vm%ld): %u XMM registers not clear at start, %u mismatches in %u rounds, x87 control "
            "word %s\n", id, dirty, bad, rounds, got == fcw ? "kept" : "LOST");
    guest_system_off();
}
