/* aarch64 additions to the test guests' runtime: PSCI (over HVC, as cvisor's guests get it). */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <lib/types.h>

long psci(u64 fid, u64 a1, u64 a2, u64 a3);

#define PSCI_VERSION_FID 0x84000000u
#define PSCI_CPU_OFF_FID 0x84000002u
#define PSCI_CPU_ON_FID 0xC4000003u
#define PSCI_AFFINITY_INFO_FID 0xC4000004u
#define PSCI_SYSTEM_OFF_FID 0x84000008u
#define PSCI_SYSTEM_RESET_FID 0x84000009u
#define PSCI_FEATURES_FID 0x8400000Au

#define GUEST_RAM_BASE 0x40000000ul /* QEMU virt's RAM: the configs' memory region */
#define GUEST_CPU_STATUS_NAME "AFFINITY_INFO"
#define GUEST_CPU_ON_NAME "CPU_ON"
#define GUEST_CPU_STATUS_OFF 1 /* PSCI AFFINITY_INFO: OFF */
#define GUEST_BOOT_ARG "x0"          /* where the DTB's address arrives */
#define GUEST_VIRTIO_MMIO 0x0a000000ul /* where the configs put a virtio-mmio device (QEMU virt's) */
#define GUEST_UART_GPA 0x09000000ul    /* the board's UART (the PL011) */
#define GUEST_IRQ_NAME "INTID"         /* what the configs' irq_id numbers are */

/* Ordering of guest-memory writes a device reads: before publishing an index, and before
 * notifying it. */
#define guest_wmb() __asm__ volatile("dmb ishst" ::: "memory")
#define guest_mb() __asm__ volatile("dsb ish" ::: "memory")

#endif
