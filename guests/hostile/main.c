/* Hostile test guest. Its VM id selects the attack:
 *   id 5: probe the whole guest-physical address space (1 GiB steps up to 512 GiB, 2 MiB steps
 *         below 4 GiB); its config says invalid_access = "abort", so every access outside its
 *         memory comes back as an external abort that the handler below counts and skips.
 *   id 6: mask every interrupt and spin forever on a pCPU it shares with other VMs. */
#include "guest.h"

#define RAM_BASE 0x40000000ul
#define RAM_SIZE 0x01000000ul

volatile u64 aborts;

/* EL1 vectors: only "current EL, SPx, synchronous" (offset 0x200) is expected: skip the
 * faulting load and count it. */
__asm__(".section .text.vectors, \"ax\"\n"
        ".balign 2048\n"
        ".global hostile_vectors\n"
        "hostile_vectors:\n"
        ".org hostile_vectors + 0x200\n"
        "    stp x0, x1, [sp, #-16]!\n"
        "    mrs x0, elr_el1\n"
        "    add x0, x0, #4\n"
        "    msr elr_el1, x0\n"
        "    adrp x0, aborts\n"
        "    ldr x1, [x0, :lo12:aborts]\n"
        "    add x1, x1, #1\n"
        "    str x1, [x0, :lo12:aborts]\n"
        "    ldp x0, x1, [sp], #16\n"
        "    eret\n"
        ".org hostile_vectors + 0x800\n"
        ".text\n");
extern char hostile_vectors[];

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

void guest_main(u64 dtb)
{
    (void)dtb;
    __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(hostile_vectors));
    long id = hypercall(HC_VM_ID, 0, 0);
    if (id == 5) {
        probe_everything();
        guest_system_off();
    }
    gprintf("hostile: vm%ld spinning with interrupts masked\n", id);
    __asm__ volatile("msr daifset, #0xf");
    for (;;)
        __asm__ volatile("" ::: "memory");
}
