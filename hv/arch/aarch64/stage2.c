/* Stage-2 (guest-physical -> host-physical) translation: 39-bit IPA, 4 KiB granule, starting
 * at level 1, 1 GiB / 2 MiB blocks where alignment allows. */
#include <arch/pte.h>
#include <arch/stage2_page.h>
#include <arch/sysreg.h>
#include <arch/vcpu_parts.h>
#include <arch/vm_arch.h>
#include <base/log.h>
#include <base/heap.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/vm.h>
#include <lib/string.h>

#define IPA_BITS VM_ARCH_IPA_BITS

/* A one-table root at lib/pgtable level 2 (Arm's level 1, VTCR_EL2.SL0 = 1), 1 GiB blocks. */
static const struct pt_format stage2_format = ARM64_PT_FORMAT(2, 1, 2);

static u16 vmid_bitmap[16]; /* 256 VMIDs (8-bit VMID), bit set = in use; VMID 0 unused */
static spinlock_t vmid_lock = SPINLOCK_INIT;

static int vmid_alloc(void)
{
    spin_lock(&vmid_lock);
    for (int i = 1; i < 256; i++) {
        if (!(vmid_bitmap[i / 16] & (1u << (i % 16)))) {
            vmid_bitmap[i / 16] |= (u16)(1u << (i % 16));
            spin_unlock(&vmid_lock);
            return i;
        }
    }
    spin_unlock(&vmid_lock);
    return -1;
}

static void vmid_free(int vmid)
{
    spin_lock(&vmid_lock);
    vmid_bitmap[vmid / 16] &= (u16)~(1u << (vmid % 16));
    spin_unlock(&vmid_lock);
}

u64 vm_arch_ipa_limit(void) { return 1ull << IPA_BITS; }

BUILT_FOR_SIZE int vm_arch_init(struct vm *vm)
{
    memset(&vm->arch.vgic, 0, sizeof(vm->arch.vgic)); /* a rebuilt VM starts without one */
    int vmid = vmid_alloc();
    if (vmid < 0)
        return -1;
    if (pt_init(&vm->arch.s2, &stage2_format, &mm_pt_mem, IPA_BITS) != 0) {
        vmid_free(vmid);
        return -1;
    }
    vm->arch.vmid = (u16)vmid;
    vm->arch.vttbr = vm->arch.s2.root_pa | ((u64)vmid << 48);
    return 0;
}

/* Flushes this VMID's stage-1+2 TLB entries on every CPU. */
static void flush_vmid(struct vm *vm)
{
    u64 saved = read_sysreg(vttbr_el2);
    write_sysreg(vttbr_el2, vm->arch.vttbr);
    isb();
    __asm__ volatile("tlbi vmalls12e1is" ::: "memory");
    dsb(ish);
    write_sysreg(vttbr_el2, saved);
    isb();
}

/* Unmaps everything at once (the root table emptied, TLBs flushed everywhere): a vCPU that
 * runs without ever trapping (interrupt passthrough) exits at its next instruction fetch. */
void vm_arch_revoke(struct vm *vm)
{
    if (!vm->arch.vmid || vm->arch.revoked_root)
        return;
    void *root = hpa_to_ptr(hpa(vm->arch.s2.root_pa));
    vm->arch.revoked_root = kmalloc(pt_root_bytes(&vm->arch.s2));
    if (!vm->arch.revoked_root)
        return;
    memcpy(vm->arch.revoked_root, root, pt_root_bytes(&vm->arch.s2));
    memset(root, 0, pt_root_bytes(&vm->arch.s2));
    dsb(ishst);
    flush_vmid(vm);
}

BUILT_FOR_SIZE void vm_arch_destroy(struct vm *vm)
{
    if (!vm->arch.vmid)
        return;
    if (vm->arch.revoked_root) { /* the tables below the root are freed through it */
        memcpy(hpa_to_ptr(hpa(vm->arch.s2.root_pa)), vm->arch.revoked_root, pt_root_bytes(&vm->arch.s2));
        kfree(vm->arch.revoked_root);
        vm->arch.revoked_root = NULL;
    }
    /* Flush this VMID's stage-1+2 TLB entries on every CPU before the tables are reused. */
    flush_vmid(vm);
    pt_destroy(&vm->arch.s2);
    vmid_free(vm->arch.vmid);
    vm->arch.vmid = 0;
}

_Static_assert(IPA_BITS == 39, "stage2_set_page walks a one-table root at Arm's level 1");

int vm_arch_map(struct vm *vm, gpa_t gpa, hpa_t hpa, u64 size, u32 s2flags)
{
    u64 attr = PTE_SH_INNER;
    attr |= (s2flags & S2_DEVICE) ? PTE_S2_MEMATTR_DEVICE_nGnRE : PTE_S2_MEMATTR_NORMAL_WB;
    if (s2flags & S2_READ)
        attr |= PTE_S2AP_R;
    if (s2flags & S2_WRITE)
        attr |= PTE_S2AP_W;
    if (!(s2flags & S2_EXEC) || (s2flags & S2_DEVICE))
        attr |= PTE_S2_XN;
    if (size == PAGE_SIZE && !(gpa.val >> IPA_BITS) && IS_ALIGNED(gpa.val | hpa.val, PAGE_SIZE) &&
        stage2_set_page(vm->arch.s2.root, gpa.val, hpa.val, attr)) {
        dsb(ishst);
        return 0;
    }
    if (gpa.val + size > (1ull << IPA_BITS) || gpa.val + size < gpa.val)
        return -1;
    int r = pt_map(&vm->arch.s2, gpa.val, hpa.val, size, attr);
    dsb(ishst);
    return r;
}

void vm_arch_unmap(struct vm *vm, gpa_t gpa, u64 size)
{
    pt_unmap(&vm->arch.s2, gpa.val, size);
    dsb(ishst);
    flush_vmid(vm); /* its vCPUs may run on other pCPUs right now */
}

/* VTCR_EL2: T0SZ=25 (39-bit IPA), SL0=1 (start at level 1), inner/outer WB, inner shareable,
 * 4 KiB granule, PS from the CPU's physical address range. */
u64 stage2_vtcr(void)
{
    u64 parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;
    if (parange > 5)
        parange = 5;
    return (64 - IPA_BITS) | (1ull << 6) | (1ull << 8) | (1ull << 10) | (3ull << 12) | (parange << 16) |
           (1ull << 31);
}
