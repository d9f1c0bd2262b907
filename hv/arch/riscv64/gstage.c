/* G-stage (guest-physical -> host-physical) translation: Sv39x4, a 41-bit guest-physical space
 * under a 16 KiB root (four concatenated level-2 tables, lib/pgtable), 1 GiB / 2 MiB leaves where
 * alignment allows; a VMID per VM tags its translations in the TLBs. */
#include <arch/hcsr.h>
#include <arch/pte.h>
#include <arch/sbi.h>
#include <arch/vm_arch.h>
#include <base/heap.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/vm.h>
#include <lib/string.h>

#define IPA_BITS VM_ARCH_IPA_BITS
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_RFENCE_HFENCE_GVMA_VMID 3

static const struct pt_format gstage_format = RISCV_PT_FORMAT(2, 4, 2);

#define VMID_MAX 256
static u64 vmid_bitmap[VMID_MAX / 64]; /* bit set = in use; VMID 0 unused */
static u32 vmid_limit;                 /* VMIDs the harts implement (hgatp.VMID's WARL bits) */
static spinlock_t vmid_lock = SPINLOCK_INIT;

/* How many VMIDs hgatp holds: write all ones (with mode Bare, nothing translates) and read back. */
void gstage_probe_vmids(void)
{
    if (vmid_limit)
        return;
    hcsr_write(CSR_HGATP, HGATP_VMID_MASK << HGATP_VMID_SHIFT);
    u64 ids = ((hcsr_read(CSR_HGATP) >> HGATP_VMID_SHIFT) & HGATP_VMID_MASK) + 1;
    hcsr_write(CSR_HGATP, 0);
    vmid_limit = ids < VMID_MAX ? (u32)ids : VMID_MAX;
}

static int vmid_alloc(void)
{
    spin_lock(&vmid_lock);
    for (u32 i = 1; i < vmid_limit; i++) {
        if (!(vmid_bitmap[i / 64] & (1ull << (i % 64)))) {
            vmid_bitmap[i / 64] |= 1ull << (i % 64);
            spin_unlock(&vmid_lock);
            return (int)i;
        }
    }
    spin_unlock(&vmid_lock);
    return -1;
}

static void vmid_free(u32 vmid)
{
    spin_lock(&vmid_lock);
    vmid_bitmap[vmid / 64] &= ~(1ull << (vmid % 64));
    spin_unlock(&vmid_lock);
}

u64 vm_arch_ipa_limit(void) { return 1ull << IPA_BITS; }

int vm_arch_init(struct vm *vm)
{
    memset(&vm->arch, 0, sizeof(vm->arch));
    int vmid = vmid_alloc();
    if (vmid < 0)
        return -1;
    if (pt_init(&vm->arch.g, &gstage_format, &mm_pt_mem, IPA_BITS) != 0) {
        vmid_free((u32)vmid);
        return -1;
    }
    vm->arch.vmid = (u16)vmid;
    vm->arch.hgatp = HGATP_MODE_SV39X4 | ((u64)vmid << HGATP_VMID_SHIFT) | (vm->arch.g.root_pa >> 12);
    return 0;
}

/* An SBI call with five arguments (the base's sbi_call takes three). */
static struct sbiret sbi_call5(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
    register u64 r0 __asm__("a0") = a0;
    register u64 r1 __asm__("a1") = a1;
    register u64 r2 __asm__("a2") = a2;
    register u64 r3 __asm__("a3") = a3;
    register u64 r4 __asm__("a4") = a4;
    register u64 r6 __asm__("a6") = fid;
    register u64 r7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7) : "memory");
    return (struct sbiret){(long)r0, (long)r1};
}

/* Every hart forgets the VMID's translations (the firmware's remote HFENCE.GVMA). */
static void flush_vmid(struct vm *vm)
{
    hfence_gvma_vmid(vm->arch.vmid);
    /* hart_mask_base -1: all harts; the range 0..0 means all addresses; a4 = VMID */
    struct sbiret r = sbi_call5(SBI_EXT_RFENCE, SBI_RFENCE_HFENCE_GVMA_VMID, 0, (u64)-1, 0, 0, vm->arch.vmid);
    if (r.error)
        LOG_AT(LOG_WARN, (long)vm->id, "SBI remote HFENCE.GVMA of VMID %u failed (%ld)", vm->arch.vmid, r.error);
}

void vm_arch_revoke(struct vm *vm)
{
    if (!vm->arch.vmid || vm->arch.revoked_root)
        return;
    void *root = hpa_to_ptr(hpa(vm->arch.g.root_pa));
    vm->arch.revoked_root = kmalloc(pt_root_bytes(&vm->arch.g));
    if (!vm->arch.revoked_root)
        return;
    memcpy(vm->arch.revoked_root, root, pt_root_bytes(&vm->arch.g));
    memset(root, 0, pt_root_bytes(&vm->arch.g));
    __asm__ volatile("fence rw, rw" ::: "memory");
    flush_vmid(vm);
}

void vm_arch_destroy(struct vm *vm)
{
    if (!vm->arch.vmid)
        return;
    if (vm->arch.revoked_root) {
        memcpy(hpa_to_ptr(hpa(vm->arch.g.root_pa)), vm->arch.revoked_root, pt_root_bytes(&vm->arch.g));
        kfree(vm->arch.revoked_root);
        vm->arch.revoked_root = NULL;
    }
    flush_vmid(vm); /* before the tables and the VMID are reused */
    pt_destroy(&vm->arch.g);
    vmid_free(vm->arch.vmid);
    vm->arch.vmid = 0;
}

int vm_arch_map(struct vm *vm, gpa_t gpa, hpa_t hpa, u64 size, u32 s2flags)
{
    /* G-stage leaves are user pages (the walk checks them as U-mode accesses). Memory types come
     * from the platform's PMAs: a device range is simply not executable. */
    u64 attr = PTE_U;
    if (s2flags & S2_READ)
        attr |= PTE_R;
    if (s2flags & S2_WRITE)
        attr |= PTE_W | PTE_R; /* write-only is a reserved encoding */
    if ((s2flags & S2_EXEC) && !(s2flags & S2_DEVICE))
        attr |= PTE_X;
    if (gpa.val + size > (1ull << IPA_BITS) || gpa.val + size < gpa.val)
        return -1;
    int r = pt_map(&vm->arch.g, gpa.val, hpa.val, size, attr);
    __asm__ volatile("fence rw, rw" ::: "memory");
    hfence_gvma_vmid(vm->arch.vmid); /* a hart may keep a walk's result for the unmapped page */
    return r;
}

void vm_arch_unmap(struct vm *vm, gpa_t gpa, u64 size)
{
    pt_unmap(&vm->arch.g, gpa.val, size);
    __asm__ volatile("fence rw, rw" ::: "memory");
    flush_vmid(vm); /* its vCPUs may run on other harts right now */
}

