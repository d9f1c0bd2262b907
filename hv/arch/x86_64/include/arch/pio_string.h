/* String port I/O (INS/OUTS, with or without REP) for the generic x86 vCPU: an IOIO exit says
 * only the port, the direction and the element size; the memory operand, its address size and
 * segment come from the instruction (<arch/insn_decode.h>), and the data is copied between the
 * VM's own RAM, through the guest's paging, and its port device (hv/arch/x86_64/pio_string.c). */
#ifndef ARCH_PIO_STRING_H
#define ARCH_PIO_STRING_H

#include <arch/insn_decode.h>
#include <arch/x86_vendor.h>
#include <lib/types.h>

struct vcpu;
struct vcpu_exit;

/* At most this many elements per exit: a huge count is done over several exits, the guest
 * re-executing the instruction (RIP stays on it while rCX is not 0) and taking interrupts in
 * between, as a CPU does between iterations. */
#define X86_PIO_STRING_BATCH 4096u

/* Emulates the string I/O of exit e, whose instruction's bytes (fetched at RIP) are insn[0..n).
 * A memory operand outside the VM's RAM, or an instruction that is not the INS/OUTS the exit
 * reports, ends the VM with a report in exit. */
void x86_pio_string(struct vcpu *v, const struct x86_exit *e, const u8 *insn, size_t n, struct x86_cpu_mode mode,
                    struct vcpu_exit *exit);

#endif
