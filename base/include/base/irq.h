/* Host interrupt controller interface (implemented by the GIC driver on aarch64). */
#ifndef BASE_IRQ_H
#define BASE_IRQ_H

#include <lib/types.h>

typedef void (*irq_handler_t)(u32 intid, void *arg);

#define IRQ_SGI_WAKEUP 0 /* SGI used to wake or kick another CPU */

/* Architecture version of the host interrupt controller (2 or 3 for a GIC). */
u32 irq_gic_version(void);
/* The same as a variable, for hot paths (no call): set by gic_init, before anything runs on it. */
extern u32 irq_host_gic_version;
/* GICv2 with virtualization extensions: the GICH (list registers) and GICV (virtual CPU
 * interface) frames; 0 when absent. */
u64 irq_gicv2_hyp_base(void);
u64 irq_gicv2_vcpu_base(void);
u64 irq_gicv2_cpu_base(void); /* the physical GICC */
u64 irq_gicv2_dist_base(void);

/* Interrupt-controller passthrough (a VM drives the GIC CPU interface of its pCPUs itself):
 * raw distributor access for the hypervisor's filtered GICD, a CPU's GICv2 interface mask,
 * keeping the hypervisor's SPIs off a CPU, and giving the CPU back afterwards. */
u32 irq_dist_read(u32 offset, u8 width);
void irq_dist_write(u32 offset, u8 width, u32 value);
u8 irq_cpu_if_mask(u32 cpu);
void irq_reserve_cpu(u32 cpu, bool reserved); /* reserved: no hypervisor SPI is routed there */
void irq_cpu_reinit(void);                    /* this CPU: interface and private enables as before */
/* Disables an SGI/PPI of this CPU while a guest owns its CPU interface, remembering that the
 * hypervisor had it enabled (irq_cpu_reinit enables it again). */
void irq_hide_private(u32 intid);

void irq_set_handler(u32 intid, irq_handler_t fn, void *arg);
bool irq_has_handler(u32 intid);
void irq_enable(u32 intid);  /* per-CPU for SGI/PPI (this CPU), global for SPIs */
void irq_disable(u32 intid);
/* Routes an SPI to one CPU. */
void irq_set_target(u32 intid, u32 cpu);
void irq_send_sgi(u32 cpu, u32 sgi);
/* Acknowledges and handles every pending interrupt of this CPU; returns how many. */
unsigned irq_dispatch(void);

#endif
