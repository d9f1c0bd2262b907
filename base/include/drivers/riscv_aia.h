/* RISC-V Advanced Interrupt Architecture (AIA) on the host: the supervisor-level IMSIC interrupt
 * files (one per hart, plus its guest interrupt files) and the supervisor-level APLIC in MSI
 * delivery mode. The PLIC driver (riscv_plic.c) uses it in place of a PLIC when the host's DTB
 * describes "riscv,imsics" and "riscv,aplic" instead: every APLIC source n is sent as external
 * interrupt identity n to the S-level file of the hart it is routed to, so <base/irq.h>'s
 * numbering (RISCV_IRQ_PLIC + n) stays the same. */
#ifndef DRIVERS_RISCV_AIA_H
#define DRIVERS_RISCV_AIA_H

#include <lib/fdt.h>
#include <lib/types.h>

/* Found and set up from the DTB: 0, or -1 when it describes no usable AIA (nothing touched). */
int aia_init(const struct fdt *fdt);
bool aia_present(void);
u32 aia_sources(void);              /* APLIC sources 1..n */
u32 aia_ids(void);                  /* each interrupt file's identities 1..n (riscv,num-ids) */
void aia_cpu_init(void);            /* this hart's S-level file: delivery on, identities enabled */
void aia_enable(u32 src, u32 cpu, bool on);
u32 aia_claim(void);                /* the top pending identity of this hart's S file, taken; 0 if none */
void aia_complete(u32 src);         /* a level source still asserted is sent again */

/* Guest interrupt files: 1..aia_guest_files() on every hart (hgeie/hgeip bit g, hstatus.VGEIN g). */
u32 aia_guest_files(void);
u64 aia_guest_file_hpa(u32 cpu, u32 guest); /* the page of that file (host-physical) */
/* Source src sent as identity eiid to guest file `guest` of cpu's hart (level-high, enabled). */
void aia_route_to_guest(u32 src, u32 cpu, u32 guest, u32 eiid);
void aia_source_off(u32 src);       /* back to inactive: no more messages from it */

#endif
