/* riscv64 additions to the test guests' runtime: SBI calls (cvisor's guests run in VS-mode with
 * cvisor as their SBI implementation). */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <arch/vsbi.h>
#include <lib/types.h>

#define GUEST_RAM_BASE 0x80000000ul /* QEMU virt's RAM: the configs' memory region */
#define GUEST_BOOT_ARG "a1"         /* where the DTB's address arrives */
#define GUEST_CPU_STATUS_NAME "HSM status"
#define GUEST_CPU_ON_NAME "hart_start"
#define GUEST_CPU_STATUS_OFF SBI_HSM_STOPPED
#define GUEST_TIMEBASE_HZ 10000000ull /* QEMU virt's timebase (the DTB's timebase-frequency) */
#define GUEST_VIRTIO_MMIO 0x10001000ul  /* where the configs put a virtio-mmio device (QEMU virt's first) */
#define GUEST_UART_GPA 0x10000000ul     /* the board's UART (the NS16550) */
#define GUEST_PLIC 0x0c000000ul         /* the VM's PLIC (QEMU virt's address) */
#define GUEST_IRQ_NAME "PLIC source"    /* what the configs' irq_id numbers are */

/* Ordering of guest-memory writes a device reads: before publishing an index, and before
 * notifying it (an MMIO store). */
#define guest_wmb() __asm__ volatile("fence w, w" ::: "memory")
#define guest_mb() __asm__ volatile("fence iorw, iorw" ::: "memory")

struct sbiret {
    long error;
    long value;
};

struct sbiret sbi(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2);

/* Waits in WFI with interrupts on until one is taken; returns its scause. The trap goes to the
 * label after the loop (stvec): nothing to return to, no registers to save. (Polling sip instead
 * would not do: QEMU 7.2 shows no STIP in a guest's sip, though it delivers the interrupt.) The
 * guest's stvec is left pointing there. */
unsigned long guest_wait_interrupt(void);

#endif
