/* Guest RAM that the VM owns (MapAlloc, MapIdentical), brought in on demand: every page a VM
 * sees first reads as zero, yet creating a VM does not zero all of its RAM.
 *
 * Such a region is cut into chunks (2 MiB when the guest and host addresses allow a stage-2
 * block, else 4 KiB; always 4 KiB for LAZY regions). A chunk enters stage 2 the first time it is
 * needed: on the guest's first access (a stage-2 translation fault) or when the hypervisor
 * itself reads or writes guest memory there (images, device tree, hypercall buffers). Before
 * that, its pages that may hold data (RAM never used since boot, a freed stage-2 table, another
 * VM's scrubbed-or-not memory) are zeroed and cleaned to the point of coherency; the page
 * allocator says which are known to be zero already (scrubbed when they were freed), and chunks
 * known zero when the VM is created are mapped at once. When the VM lets go, every chunk it
 * touched is scrubbed and freed as known zero; chunks it never touched go back as they were.
 * The cost of zeroing thus follows what a guest uses, and a restarted VM finds its memory
 * already scrubbed and mapped. LAZY pages are the exception: they are zeroed ahead of the guest
 * (vm_mem_prezero_step: at boot before the VMs start, then by an idle pCPU of the VM), so that
 * their fault, the guest's first touch, usually only maps them. */
#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/vm.h>
#include <lib/bitmap.h>
#include <lib/string.h>

#define CHUNK_BLOCK MiB(2)
#define BITS 64ull

static bool chunk_populated(const struct vm_mem *m, u64 k) { return (m->populated[k / BITS] >> (k % BITS)) & 1; }

/* 2: in stage 2 (the guest may have written it); 1: not, but zeroed ahead (LAZY); 0: neither. */
static int chunk_state(const struct vm_mem *m, u64 k)
{
    if (chunk_populated(m, k))
        return 2;
    return m->zeroed_at && (m->populated[m->zeroed_at + k / BITS] >> (k % BITS)) & 1;
}

static u64 chunk_count(const struct vm_mem *m) { return (m->size + m->chunk - 1) / m->chunk; }

/* Zeroes (for the guest) the pages of [h, h+len) that may hold data, except those lying wholly
 * in [keep_lo, keep_hi), which the caller is about to overwrite. */
static void zero_unknown(hpa_t h, u64 len, u64 keep_lo, u64 keep_hi)
{
    u64 run = 0, run_len = 0;
    for (u64 off = 0; off < len; off += BITS * PAGE_SIZE) {
        u64 n = MIN(BITS, (len - off) / PAGE_SIZE);
        u64 known = mm_zero_mask(hpa(h.val + off), n);
        for (u64 i = 0; i < n; i++) {
            u64 p = h.val + off + i * PAGE_SIZE;
            bool kept = p >= keep_lo && p + PAGE_SIZE <= keep_hi;
            if (!((known >> i) & 1) && !kept) {
                if (!run_len)
                    run = p;
                run_len += PAGE_SIZE;
                continue;
            }
            if (run_len)
                mm_zero_for_guest(hpa_to_ptr(hpa(run)), run_len);
            run_len = 0;
        }
    }
    if (run_len)
        mm_zero_for_guest(hpa_to_ptr(hpa(run)), run_len);
}

/* Chunk k of m in stage 2, zeroed first; the caller holds vm->mm_lock. */
static bool populate(struct vm *vm, struct vm_mem *m, u64 k, u64 keep_lo, u64 keep_hi)
{
    if (chunk_populated(m, k))
        return true;
    if (vm->mem_revoked)
        return false; /* ending: nothing enters stage 2 any more */
    u64 off = k * m->chunk, len = MIN(m->chunk, m->size - off);
    hpa_t h = hpa(m->hpa.val + off);
    if (!m->zeroed_at)
        zero_unknown(h, len, keep_lo, keep_hi);
    else if (!((m->populated[m->zeroed_at + k / BITS] >> (k % BITS)) & 1) && !(h.val >= keep_lo && h.val + len <= keep_hi))
        mm_zero_for_guest(hpa_to_ptr(h), len); /* a LAZY page: its bit, not the allocator's lock */
    if (vm_arch_map(vm, gpa(m->gpa.val + off), h, len, m->s2flags) != 0)
        return false;
    m->populated[k / BITS] |= 1ull << (k % BITS);
    return true;
}

BUILT_FOR_SIZE int vm_mem_ondemand_init(struct vm *vm, struct vm_mem *m, bool lazy)
{
    m->ondemand = true;
    m->chunk = !lazy && IS_ALIGNED(m->gpa.val, CHUNK_BLOCK) && IS_ALIGNED(m->hpa.val, CHUNK_BLOCK) &&
                       m->size >= CHUNK_BLOCK
                   ? CHUNK_BLOCK
                   : PAGE_SIZE;
    u64 words = ALIGN_UP(chunk_count(m), BITS) / BITS;
    m->populated = kzalloc((lazy ? 2 : 1) * words * 8);
    if (!m->populated)
        return -1;
    if (!vm->demand_hi || m->gpa.val < vm->demand_lo)
        vm->demand_lo = m->gpa.val;
    vm->demand_hi = MAX(vm->demand_hi, m->gpa.val + m->size);
    if (lazy) {
        /* Page by page on first touch. What the allocator knows zero is copied now, after the
         * populated bits, so that a fault reads one bit instead of asking the allocator (its
         * lock, its zones): the pages stay as they are until they are populated. */
        m->zeroed_at = (u32)words;
        for (u64 w = 0; w < words; w++)
            m->populated[words + w] = mm_zero_mask(hpa(m->hpa.val + w * BITS * PAGE_SIZE), MIN(BITS, chunk_count(m) - w * BITS));
        vm->prezero_pending = true; /* idle pCPUs zero the rest ahead of the guest */
        return 0;
    }
    /* Chunks already known zero (scrubbed when freed) go in at once, in runs as long as
     * possible so that stage 2 can use its largest blocks. */
    u64 n = chunk_count(m), run = 0;
    for (u64 k = 0; k <= n; k++) {
        bool zero = false;
        if (k < n) {
            u64 off = k * m->chunk, len = MIN(m->chunk, m->size - off);
            zero = true;
            for (u64 p = 0; p < len && zero; p += BITS * PAGE_SIZE) {
                u64 cnt = MIN(BITS, (len - p) / PAGE_SIZE);
                zero = mm_zero_mask(hpa(m->hpa.val + off + p), cnt) == (cnt == BITS ? ~0ull : (1ull << cnt) - 1);
            }
        }
        if (zero)
            continue;
        if (k > run) {
            u64 off = run * m->chunk, len = MIN(k * m->chunk, m->size) - off;
            if (vm_arch_map(vm, gpa(m->gpa.val + off), hpa(m->hpa.val + off), len, m->s2flags) != 0)
                return -1;
            for (u64 j = run; j < k; j++)
                m->populated[j / BITS] |= 1ull << (j % BITS);
        }
        run = k + 1;
    }
    return 0;
}

/* The region of VM RAM holding [addr, addr+len), or NULL. */
static struct vm_mem *ram_region(struct vm *vm, gpa_t addr, u64 len)
{
    for (size_t i = 0; i < vm->mem_count; i++) {
        struct vm_mem *m = &vm->mems[i];
        if (m->is_ram && range_contains(m->gpa.val, m->size, addr.val, len))
            return m;
    }
    return NULL;
}

bool vm_gpa_in_ram(struct vm *vm, gpa_t addr, u64 len) { return ram_region(vm, addr, len) != NULL; }

/* Host pointer to [addr, addr+len) of the VM's RAM, every chunk of it present (zeroed if new);
 * [keep_lo, keep_hi) host addresses will be overwritten by the caller. */
static void *prepare(struct vm *vm, gpa_t addr, u64 len, bool overwrite)
{
    struct vm_mem *m = ram_region(vm, addr, len);
    if (!m)
        return NULL;
    hpa_t h = hpa(m->hpa.val + (addr.val - m->gpa.val));
    if (m->ondemand && len) {
        u64 first = (addr.val - m->gpa.val) / m->chunk, last = (addr.val + len - 1 - m->gpa.val) / m->chunk;
        u64 keep_lo = overwrite ? h.val : 0, keep_hi = overwrite ? h.val + len : 0;
        bool ok = true;
        spin_lock(&vm->mm_lock);
        for (u64 k = first; k <= last && ok; k++)
            ok = populate(vm, m, k, keep_lo, keep_hi);
        spin_unlock(&vm->mm_lock);
        if (!ok)
            return NULL;
    }
    return hpa_to_ptr(h);
}

void *vm_gpa_to_hva(struct vm *vm, gpa_t addr, u64 len) { return prepare(vm, addr, len, false); }

void *vm_ram_for_write(struct vm *vm, gpa_t addr, u64 len) { return prepare(vm, addr, len, true); }

/* Page k of a LAZY region on the guest's first touch of it: populate's work for one page known
 * to be one, without its general case (runs of pages, the allocator asked, pages the caller
 * overwrites); the caller holds vm->mm_lock. */
static bool fault_in_page(struct vm *vm, struct vm_mem *m, u64 k)
{
    u64 *w = &m->populated[k / BITS], bit = 1ull << (k % BITS);
    if (*w & bit)
        return true;
    if (vm->mem_revoked)
        return false;
    hpa_t h = hpa(m->hpa.val + k * PAGE_SIZE);
    if (!(m->populated[m->zeroed_at + k / BITS] & bit)) { /* not reached ahead of the guest */
        mm_zero_for_guest(hpa_to_ptr(h), PAGE_SIZE);
        vm->lazy_zeroed_on_fault++;
    }
    if (vm_arch_map(vm, gpa(m->gpa.val + k * PAGE_SIZE), h, PAGE_SIZE, m->s2flags) != 0)
        return false;
    *w |= bit;
    return true;
}

/* vm_fault_in past its bounds check: a call of its own, so that an MMIO exit saves no registers
 * for the work below. */
static __attribute__((noinline)) bool fault_in(struct vm *vm, gpa_t addr)
{
    for (struct vm_mem *m = vm->mems, *end = m + vm->mem_count; m < end; m++) {
        u64 off = addr.val - m->gpa.val; /* (wraps below the region) */
        if (!m->ondemand || off >= m->size)
            continue;
        /* Another vCPU may have brought it in meanwhile: populate sees that. */
        spin_lock(&vm->mm_lock);
        bool ok = m->zeroed_at ? fault_in_page(vm, m, off / PAGE_SIZE) : populate(vm, m, off / m->chunk, 0, 0);
        vm->lazy_faults += ok;
        spin_unlock(&vm->mm_lock);
        return ok;
    }
    return false;
}

bool vm_fault_in(struct vm *vm, gpa_t addr)
{
    if (addr.val >= vm->demand_hi || addr.val < vm->demand_lo)
        return false; /* MMIO exits pay only this */
    return fault_in(vm, addr);
}

bool vm_mem_prezero_step(struct vm *vm)
{
    if (!__atomic_load_n(&vm->prezero_pending, __ATOMIC_RELAXED))
        return false; /* what an idle pass costs once the work is done */
    bool zeroed = false;
    spin_lock(&vm->mm_lock);
    while (!zeroed && vm->prezero_pending) {
        if (vm->mem_revoked || vm->prezero_mem >= vm->mem_count) {
            __atomic_store_n(&vm->prezero_pending, false, __ATOMIC_RELAXED); /* (read unlocked) */
            break;
        }
        struct vm_mem *m = &vm->mems[vm->prezero_mem];
        u64 pages = m->zeroed_at ? m->size / PAGE_SIZE : 0;
        u64 k = bitmap_next_clear_in_both(m->populated, m->populated + m->zeroed_at, vm->prezero_page, pages);
        if (k >= pages) { /* this region is done: the next one */
            vm->prezero_mem++;
            vm->prezero_page = 0;
            continue;
        }
        /* Under mm_lock: a fault on this page waits, then finds it zeroed. */
        mm_zero_for_guest(hpa_to_ptr(hpa(m->hpa.val + k * PAGE_SIZE)), PAGE_SIZE);
        m->populated[m->zeroed_at + k / BITS] |= 1ull << (k % BITS);
        vm->prezero_page = k + 1;
        zeroed = true;
    }
    spin_unlock(&vm->mm_lock);
    return zeroed;
}

void vm_mem_revoke(struct vm *vm)
{
    spin_lock(&vm->mm_lock);
    vm->mem_revoked = true;
    vm_arch_revoke(vm);
    spin_unlock(&vm->mm_lock);
}

/* After stage 2 is gone: what the VM touched is scrubbed, and freed as known zero; what it
 * never touched goes back as it was. Reserved RAM (not the VM's to free) is scrubbed. */
BUILT_FOR_SIZE void vm_mem_release(struct vm *vm)
{
    for (size_t i = 0; i < vm->mem_count; i++) {
        struct vm_mem *m = &vm->mems[i];
        if (m->scrub)
            mm_zero_for_guest(hpa_to_ptr(m->hpa), m->size);
        if (!m->owned)
            continue;
        if (!m->ondemand) {
            mm_zero_for_guest(hpa_to_ptr(m->hpa), m->size);
            mm_free_pages_as(m->hpa, m->size / PAGE_SIZE, PAGE_ZERO);
            continue;
        }
        /* In runs of chunks alike: touched (2), or not but zeroed ahead (1, LAZY only), or neither. */
        u64 n = chunk_count(m), run = 0;
        for (u64 k = 1; k <= n; k++) {
            if (k < n && chunk_state(m, k) == chunk_state(m, run))
                continue;
            u64 off = run * m->chunk, len = MIN(k * m->chunk, m->size) - off;
            hpa_t h = hpa(m->hpa.val + off);
            if (chunk_state(m, run) == 2)
                mm_zero_for_guest(hpa_to_ptr(h), len);
            mm_free_pages_as(h, len / PAGE_SIZE, chunk_state(m, run) ? PAGE_ZERO : PAGE_UNCHANGED);
            run = k;
        }
        kfree(m->populated);
        m->populated = NULL;
    }
    vm->mem_count = 0;
}

struct vm_mem *vm_mem_add(struct vm *vm, gpa_t g, hpa_t h, u64 size, bool owned, bool is_ram)
{
    struct vm_mem *m = &vm->mems[vm->mem_count++];
    *m = (struct vm_mem){.gpa = g, .hpa = h, .size = size, .owned = owned, .is_ram = is_ram};
    return m;
}

/* A passed-through device range, for lookups by guest address (not scrubbed or freed). */
int vm_add_mem(struct vm *vm, gpa_t g, hpa_t h, u64 size)
{
    if (vm->mem_count == VM_MAX_MEMS)
        return -1;
    vm_mem_add(vm, g, h, size, false, false);
    return 0;
}
