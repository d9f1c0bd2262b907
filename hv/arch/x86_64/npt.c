/* The VM's guest-physical space on x86: nested page tables (4 levels, 48-bit guest-physical
 * addresses, 2 MiB pages where alignment allows) in the same entry format as the host's own
 * paging (<arch/pte.h>, built by lib/pgtable), and the vendor's address-space id. Nested
 * paging treats every guest access as a user access: leaves carry the user bit. */
#include <base/percpu.h>
#include <drivers/lapic.h>
#include <arch/pte.h>
#include <arch/x86.h>
#include <arch/x86_vendor.h>
#include <base/heap.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/sched.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <lib/string.h>

static const struct pt_format npt_format = X86_PT_FORMAT(3, 1);

u64 vm_arch_ipa_limit(void) { return 1ull << VM_ARCH_IPA_BITS; }

int vm_arch_init(struct vm *vm)
{
    vm->arch.asid = 0;
    vm->arch.tsc_offset = -rdtsc(); /* the guest's TSC starts near 0 */
    if (pt_init(&vm->arch.npt, &npt_format, &mm_pt_mem, VM_ARCH_IPA_BITS) != 0)
        return -1;
    if (x86_vendor->vm_init(vm) != 0) {
        pt_destroy(&vm->arch.npt);
        return -1;
    }
    return 0;
}

/* A VM that drives its pCPUs' local APICs may spin with interrupts off: an NMI brings each of
 * its running vCPUs out to see the revoked tables. */
static void lapic_pt_bring_out(struct vm *vm)
{
    for (u32 i = 0; i < vm->vcpu_count; i++) {
        struct vcpu *v = vm->vcpus[i];
        if (__atomic_load_n(&v->arch.in_guest, __ATOMIC_SEQ_CST) && v->pcpu != cpu_id())
            lapic_send_nmi((u32)cpu_hwid(v->pcpu));
    }
}

/* Every vCPU flushes its TLB before it enters again (vcpu_x86.c compares the generation), and
 * the tables are emptied: the next access of a vCPU that is running exits. */
void vm_arch_revoke(struct vm *vm)
{
    if (!vm->arch.asid || vm->arch.revoked_root)
        return;
    vm->arch.revoked_root = kmalloc(PAGE_SIZE);
    if (!vm->arch.revoked_root)
        return;
    memcpy(vm->arch.revoked_root, vm->arch.npt.root, PAGE_SIZE);
    memset(vm->arch.npt.root, 0, PAGE_SIZE);
    __atomic_add_fetch(&vm->arch.revoked, 1, __ATOMIC_RELEASE);
    if (vm->arch.lapic_pt)
        lapic_pt_bring_out(vm);
}

void vm_arch_destroy(struct vm *vm)
{
    if (!vm->arch.asid)
        return;
    x86_vendor->vm_destroy(vm);
    if (vm->arch.revoked_root) { /* the tables below the root are freed through it */
        memcpy(vm->arch.npt.root, vm->arch.revoked_root, PAGE_SIZE);
        kfree(vm->arch.revoked_root);
        vm->arch.revoked_root = NULL;
    }
    pt_destroy(&vm->arch.npt);
    for (u32 i = 0; i < VM_MAX_VCPUS; i++) {
        if (vm->arch.vmcb[i]) {
            mm_free_pages(ptr_to_hpa(vm->arch.vmcb[i]), VCPU_X86_PAGES);
            vm->arch.vmcb[i] = NULL;
        }
    }
}

int vm_arch_map(struct vm *vm, gpa_t gpa, hpa_t hpa, u64 size, u32 s2flags)
{
    u64 attr = PTE_US;
    if (s2flags & S2_WRITE)
        attr |= PTE_RW;
    if (!(s2flags & S2_EXEC) || (s2flags & S2_DEVICE))
        attr |= PTE_NX;
    if (s2flags & S2_DEVICE)
        attr |= PTE_PCD | PTE_PWT;
    if (gpa.val + size > vm_arch_ipa_limit() || gpa.val + size < gpa.val)
        return -1;
    /* A new mapping needs no flush: x86 TLBs do not cache not-present entries. */
    return pt_map(&vm->arch.npt, gpa.val, hpa.val, size, attr);
}

/* Removes a range (a shared region a VM leaves) and returns only when no vCPU of the VM can
 * still reach it through its TLB: the generation makes every later entry flush, and a vCPU in
 * the guest now is kicked out and waited for (x86 has no broadcast TLB invalidation). */
void vm_arch_unmap(struct vm *vm, gpa_t gpa, u64 size)
{
    pt_unmap(&vm->arch.npt, gpa.val, size);
    u32 gen = __atomic_add_fetch(&vm->arch.revoked, 1, __ATOMIC_SEQ_CST);
    for (u32 i = 0; i < vm->vcpu_count; i++) {
        struct vcpu_arch *a = &vm->vcpus[i]->arch;
        for (u32 spins = 0; __atomic_load_n(&a->in_guest, __ATOMIC_SEQ_CST) &&
                            __atomic_load_n(&a->revoked_seen, __ATOMIC_ACQUIRE) != gen;
             spins++) {
            if (spins % 65536 == 0) /* once, and again should the kick have crossed an entry */
                sched_kick(vm->vcpus[i]->pcpu);
            arch_cpu_relax();
        }
    }
}

