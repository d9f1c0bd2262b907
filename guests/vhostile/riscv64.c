/* riscv64 part of the hostile virtio driver: its device as the generated device tree describes
 * it (a virtio,mmio node whose interrupt is a source of the VM's PLIC), and that source checked
 * end to end through the vPLIC: raised with the device's interrupt status, seen as the S-mode
 * external interrupt (sip.SEIP), claimed, still requesting service after the completion while the
 * status is set (a level), gone once the driver acknowledges the status. */
#include "guest.h"
#include <lib/fdt.h>

#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define PLIC_PENDING (GUEST_PLIC + 0x1000)
#define PLIC_ENABLE_S0 (GUEST_PLIC + 0x2000 + 0x80) /* hart 0's S-mode context (1) */
#define PLIC_THRESHOLD_S0 (GUEST_PLIC + 0x201000)
#define PLIC_CLAIM_S0 (GUEST_PLIC + 0x201004)
#define SIE_SEIE (1ul << 9)

u32 vio_rd(u32 off);
void vio_wr(u32 off, u32 v);

static volatile u32 *reg(unsigned long a) { return (volatile u32 *)a; }

static bool plic_pending(u32 src) { return (*reg(PLIC_PENDING + 4 * (src / 32)) >> (src % 32)) & 1u; }

/* Whether the S-mode external interrupt is taken (a trap with scause 9) when interrupts are
 * enabled for a moment: the line seen end to end through hvip.VSEIP. (QEMU 7.2's sip, read in
 * VS-mode, does not show SEIP for hvip.VSEIP, so the trap is what is checked.) */
#define SCAUSE_SEI 0x8000000000000009ul
static bool external_taken(void)
{
    unsigned long cause;
    __asm__ volatile("la t0, 1f\n"
                     "csrw stvec, t0\n"
                     "li %0, 0\n"
                     "csrsi sstatus, 2\n"
                     "nop\n"
                     "nop\n"
                     "csrci sstatus, 2\n"
                     "j 2f\n"
                     ".balign 4\n"
                     "1: csrr %0, scause\n" /* the trap cleared sstatus.SIE */
                     "2:\n"
                     : "=&r"(cause)::"t0", "memory");
    return cause == SCAUSE_SEI;
}

/* The virtio,mmio node at GUEST_VIRTIO_MMIO, its interrupt and the controller it names. */
u32 vhostile_arch_irq_setup(u64 dtb)
{
    struct fdt f;
    if (!dtb || fdt_open(&f, (const void *)(unsigned long)dtb, 0x10000) != 0) {
        gprintf("vhostile: no device tree (a1 = %#llx)\n", (unsigned long long)dtb);
        return 0;
    }
    for (int n = fdt_find_compatible(&f, -1, "virtio,mmio"); n >= 0; n = fdt_find_compatible(&f, n, "virtio,mmio")) {
        u64 base = 0, size = 0;
        u32 irq = 0, parent = 0;
        if (!fdt_reg(&f, n, 0, &base, &size) || base != GUEST_VIRTIO_MMIO)
            continue;
        bool has_irq = fdt_prop_u32(&f, n, "interrupts", &irq) && fdt_prop_u32(&f, n, "interrupt-parent", &parent);
        int plic = has_irq ? fdt_find_phandle(&f, parent) : -1;
        u64 plic_base = 0, plic_size = 0;
        bool is_plic = plic >= 0 && fdt_is_compatible(&f, plic, "riscv,plic0") &&
                       fdt_reg(&f, plic, 0, &plic_base, &plic_size);
        gprintf("vhostile: DTB: %s at %#llx, size %#llx, interrupt %u of %s at %#llx\n", fdt_node_name(&f, n),
                (unsigned long long)base, (unsigned long long)size, irq, is_plic ? "riscv,plic0" : "no PLIC",
                (unsigned long long)plic_base);
        if (!is_plic || plic_base != GUEST_PLIC || !irq || irq >= 1024)
            return 0;
        *reg(GUEST_PLIC + 4 * irq) = 1; /* priority */
        reg(PLIC_ENABLE_S0)[irq / 32] |= 1u << (irq % 32);
        *reg(PLIC_THRESHOLD_S0) = 0;
        __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE)); /* sstatus.SIE stays clear but for the checks */
        return irq;
    }
    gprintf("vhostile: DTB: no virtio,mmio node at %#lx\n", GUEST_VIRTIO_MMIO);
    return 0;
}

bool vhostile_arch_irq_check(u32 irq)
{
    u32 isr = vio_rd(R_INT_STATUS);
    bool raised = isr && plic_pending(irq) && external_taken();
    u32 claimed = *reg(PLIC_CLAIM_S0);
    bool in_service = !plic_pending(irq) && !external_taken(); /* claimed: requesting no more */
    *reg(PLIC_CLAIM_S0) = claimed;                    /* completed, the status still set */
    bool again = plic_pending(irq) && external_taken();
    u32 reclaimed = *reg(PLIC_CLAIM_S0);
    vio_wr(R_INT_ACK, isr); /* the line goes low */
    *reg(PLIC_CLAIM_S0) = reclaimed;
    bool gone = !plic_pending(irq) && !external_taken();
    u32 none = *reg(PLIC_CLAIM_S0);
    bool ok = raised && claimed == irq && in_service && again && reclaimed == irq && gone && none == 0;
    gprintf("vhostile: PLIC source %u: %s; claim %u%s; completed, status %#x set: %s, claim %u; acked: %s, claim %u\n",
            irq, raised ? "pending, taken" : "NOT TAKEN", claimed, in_service ? "" : " STILL PENDING", isr,
            again ? "pending" : "NOT PENDING", reclaimed, gone ? "not pending" : "STILL PENDING", none);
    return ok;
}
