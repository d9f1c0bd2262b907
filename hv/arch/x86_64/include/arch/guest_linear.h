/* The guest's linear addresses, as the hypervisor reaches them: through the guest's own paging
 * (its CR0/CR3/CR4/EFER, read from the vendor's control block) to the VM's RAM. Used by the MMIO
 * instruction fetch (vcpu_x86.c) and by string port I/O (pio_string.c). */
#ifndef ARCH_GUEST_LINEAR_H
#define ARCH_GUEST_LINEAR_H

#include <arch/code_cache.h>
#include <arch/guest_walk.h>
#include <lib/types.h>

struct vcpu;
struct vm;

/* The paging state the vCPU runs with now. */
struct x86_paging x86_guest_paging(struct vcpu *v);

/* la through pg to a guest-physical address (*gpa); every page-table entry read is recorded in
 * *record (for the code-page cache). Returns 0, or -1 when unmapped or a table lies outside the
 * VM's RAM. */
int x86_guest_linear_to_gpa(struct vm *vm, const struct x86_paging *pg, u64 la, u64 *gpa,
                            struct x86_walk_record *record);

/* The hypervisor's pointer to len bytes of guest RAM at linear address la (len within one page),
 * its guest-physical address in *gpa; NULL when unmapped or not in the VM's RAM. */
void *x86_guest_linear_ptr(struct vcpu *v, u64 la, size_t len, u64 *gpa);

#endif
