/* What the generic config code (hv/core/vm_config*.c) needs to know about aarch64: how a CPU's
 * hardware id is named and compared, the emu_type codes of its devices, the host facts its
 * checks need (hv/arch/aarch64/vm_config_arch.c). */
#ifndef ARCH_VM_CONFIG_ARCH_H
#define ARCH_VM_CONFIG_ARCH_H

#include <lib/types.h>

/* A CPU's hardware id (vm_host_info.cpu_hwid, phys_cpu_ids, vcpu->hwid) is its MPIDR; in
 * messages: */
#define VM_ARCH_HWID_NAME "MPIDR"

/* How messages name the VM's interrupt controller and its console UART model on aarch64 (also
 * the prefix of the hypervisor's GIC frames in vm_host_info.hv_devices). */
#define VM_ARCH_IRQCHIP_NAME "GIC"
#define VM_ARCH_CONSOLE_UART_NAME "PL011"

/* phys_cpu_ids are matched against host MPIDRs on the affinity fields only (Aff3, Aff2..Aff0),
 * so a raw MPIDR_EL1 (RES1 bit 31, U, MT) and a config's plain affinity value compare equal. */
#define VM_MPIDR_AFF_MASK 0xff00ffffffull

static inline bool vm_arch_hwid_equal(u64 a, u64 b) { return (a & VM_MPIDR_AFF_MASK) == (b & VM_MPIDR_AFF_MASK); }

/* emu_devices emu_type codes of the interrupt controllers (axvisor's numbering). */
#define VM_EMU_GICV2 0x1u
#define VM_EMU_GICV3_GICR 0x20u
#define VM_EMU_GICV3_GICD 0x21u
#define VM_EMU_GICV3_ITS 0x22u
#define VM_EMU_PLIC 0x30u

/* What vm_host_info says of the host beyond RAM and CPUs (vm_arch_host_info fills it in). */
struct vm_host_arch {
    u32 gic_version; /* the host's GIC, 2 or 3; 0: unknown (its checks are skipped) */
};

struct vm_config;
struct diag;
/* The config's interrupt controller against the host's GIC (also run where a VM is created). */
int vm_config_check_gic(const struct vm_config *cfg, u32 host_gic, struct diag *diag);

#endif
