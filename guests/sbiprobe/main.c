/* Hostile riscv64 test guest: feeds cvisor's SBI arguments that point outside the VM (buffers
 * outside its RAM or straddling its end, harts it does not have, entry points outside its RAM,
 * reserved types) and prints what each call answered; then, by VM id, makes an access cvisor
 * must stop the VM for: 5 an atomic (AMO) on guest-physical space with nothing there, which
 * cannot be emulated; 6 a jump there (an instruction fetch outside its memory); 8 a byte load of
 * its vPLIC (32-bit words only). Nothing after that may run. VM 7 asks SBI SRST for a cold
 * reboot instead, for ever: cvisor restarts it. VMs 5, 6 and 8 first write their PLIC where it
 * has no source, word or context (it must ignore that, read zero there, and keep its state). */
#include "guest.h"

#define RAM_SIZE 0x1000000ul
#define OUTSIDE 0x10000000ul /* guest-physical, no region and no device of the VM */
#define PLIC 0x0c000000ul    /* its vPLIC (interrupt_mode = "emu"): one hart, contexts 0 and 1 */
#define PLIC_WORD(off) (*(volatile u32 *)(PLIC + (off)))
#define PLIC_ENABLE(ctx, w) PLIC_WORD(0x2000ul + 0x80ul * (ctx) + 4ul * (w))
#define PLIC_CLAIM(ctx) PLIC_WORD(0x200000ul + 0x1000ul * (ctx) + 4)

static void plic_probe(long id)
{
    PLIC_WORD(4 * 10) = 5;                 /* source 10: priority 5, enabled for context 1 */
    PLIC_ENABLE(1, 0) = 1u << 10;
    PLIC_WORD(0) = 7;                      /* source 0 does not exist */
    PLIC_WORD(4 * 96) = 7;                 /* sources 96.. neither */
    PLIC_WORD(4 * 1023) = 7;
    PLIC_WORD(0x1000) = ~0u;               /* pending is read-only */
    PLIC_ENABLE(1, 3) = ~0u;               /* word 3: sources 96..127 */
    PLIC_ENABLE(2, 0) = ~0u;               /* contexts of harts it does not have */
    PLIC_ENABLE(15871, 31) = ~0u;
    PLIC_WORD(0x1ffffc) = ~0u;             /* the last word before the contexts */
    PLIC_CLAIM(1) = 10;                    /* completing what is not claimed */
    PLIC_CLAIM(1) = 0;
    PLIC_CLAIM(1) = ~0u;
    PLIC_WORD(0x200000ul + 0x1000 + 8) = ~0u; /* a reserved word of context 1 */
    gprintf("sbiprobe(vm%ld): PLIC after hostile writes: priority 0 %u, 10 %u, 96 %u, 1023 %u; pending %#x; "
            "enable 1:0 %#x, 1:3 %#x, 2:0 %#x; claim %u\n",
            id, PLIC_WORD(0), PLIC_WORD(4 * 10), PLIC_WORD(4 * 96), PLIC_WORD(4 * 1023), PLIC_WORD(0x1000),
            PLIC_ENABLE(1, 0), PLIC_ENABLE(1, 3), PLIC_ENABLE(2, 0), PLIC_CLAIM(1));
}

void guest_main(u64 dtb)
{
    (void)dtb;
    long id = hypercall(HC_VM_ID, 0, 0);
    u64 ram_end = GUEST_RAM_BASE + RAM_SIZE;
    gprintf("sbiprobe(vm%ld): DBCN write outside RAM -> %ld, above 4 GiB -> %ld, across its end -> %ld\n", id,
            sbi(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, OUTSIDE, 0).error, sbi(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, 0, 1).error,
            sbi(SBI_EXT_DBCN, SBI_DBCN_WRITE, 1ul << 40, ram_end - 16, 0).error);
    gprintf("sbiprobe(vm%ld): DBCN read outside RAM -> %ld, legacy getchar -> %ld\n", id,
            sbi(SBI_EXT_DBCN, SBI_DBCN_READ, 16, OUTSIDE, 0).error, sbi(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0).error);
    gprintf("sbiprobe(vm%ld): hart_start of hart 99 -> %ld, at an entry outside RAM -> %ld, status of hart 99 -> %ld\n",
            id, sbi(SBI_EXT_HSM, SBI_HSM_HART_START, 99, GUEST_RAM_BASE, 0).error,
            sbi(SBI_EXT_HSM, SBI_HSM_HART_START, 0, OUTSIDE, 0).error,
            sbi(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 99, 0, 0).error);
    gprintf("sbiprobe(vm%ld): suspend type 5 -> %ld, reset type 7 -> %ld, IPI to harts 1-63 -> %ld, "
            "RFENCE of hart 40 -> %ld\n",
            id, sbi(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 5, 0, 0).error, sbi(SBI_EXT_SRST, 0, 7, 0, 0).error,
            sbi(SBI_EXT_IPI, 0, ~1ul, 0, 0).error, sbi(SBI_EXT_RFENCE, 1, 1, 40, 0).error);
    if (id == 5 || id == 6 || id == 8)
        plic_probe(id);
    if (id == 5) {
        gprintf("sbiprobe(vm%ld): atomic swap at guest-physical %#lx\n", id, OUTSIDE);
        u32 v = 1;
        __asm__ volatile("amoswap.w %0, %0, (%1)" : "+r"(v) : "r"(OUTSIDE) : "memory");
        gprintf("sbiprobe(vm%ld): UNREACHABLE amoswap returned %u\n", id, v);
    } else if (id == 6) {
        gprintf("sbiprobe(vm%ld): jumping to guest-physical %#lx\n", id, OUTSIDE);
        ((void (*)(void))OUTSIDE)();
        gprintf("sbiprobe(vm%ld): UNREACHABLE returned from %#lx\n", id, OUTSIDE);
    } else if (id == 8) {
        gprintf("sbiprobe(vm%ld): byte load of the vPLIC\n", id);
        u8 b = *(volatile u8 *)(PLIC + 4 * 10);
        gprintf("sbiprobe(vm%ld): UNREACHABLE byte load returned %u\n", id, b);
    } else if (id == 7) {
        gprintf("sbiprobe(vm%ld): cold reboot\n", id);
        long r = sbi(SBI_EXT_SRST, 0, SBI_SRST_COLD_REBOOT, 0, 0).error;
        gprintf("sbiprobe(vm%ld): UNREACHABLE reboot returned %ld\n", id, r);
    }
    guest_system_off();
}
