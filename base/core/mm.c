/* Host memory of the base: the machine's RAM into the page allocator, the hypervisor's own
 * identity map, and a heap that grows from the page allocator. */
#include <arch/mmu.h>
#include <arch/spinlock.h>
#include <base/heap.h>
#include <base/image.h>
#include <base/log.h>
#include <base/machine.h>
#include <base/mm.h>
#include <base/platform.h>
#include <lib/range_carve.h>
#include <lib/string.h>

#define MAX_RESERVED (MACHINE_MAX_RESERVED + 2) /* the machine's, the image and the bitmaps */
#define HEAP_GROW_BYTES MiB(1)

static struct page_alloc pages;
static spinlock_t pages_lock = SPINLOCK_INIT;
static struct heap heap;
const struct heap *const mm_heap_view = &heap; /* data, not code: see mm.h */
static spinlock_t heap_lock = SPINLOCK_INIT;

static struct mem_range ram[MACHINE_MAX_RAM], reserved[MAX_RESERVED], fw_reserved[MACHINE_MAX_RESERVED];
static size_t ram_count, reserved_count, fw_reserved_count;

size_t mm_ram_ranges(struct mem_range *out, size_t max)
{
    size_t n = MIN(max, ram_count);
    memcpy(out, ram, n * sizeof(*out));
    return n;
}

size_t mm_reserved_ranges(struct mem_range *out, size_t max)
{
    size_t n = MIN(max, reserved_count);
    memcpy(out, reserved, n * sizeof(*out));
    return n;
}

size_t mm_firmware_reserved_ranges(struct mem_range *out, size_t max)
{
    size_t n = MIN(max, fw_reserved_count);
    memcpy(out, fw_reserved, n * sizeof(*out));
    return n;
}

static void add_reserved(u64 base, u64 size)
{
    if (reserved_count == MAX_RESERVED)
        panic("mm: more than %u reserved memory ranges", MAX_RESERVED);
    reserved[reserved_count++] = (struct mem_range){base, size};
}

/* Bitmaps go right after the image, or after whatever is already kept there (the DTB, firmware
 * memory). */
static u64 place_bitmaps(u64 bytes, u64 image_end)
{
    u64 at = ALIGN_UP(image_end, PAGE_SIZE);
    for (bool moved = true; moved;) {
        moved = false;
        for (size_t i = 0; i < reserved_count + fw_reserved_count; i++) {
            const struct mem_range *r = i < reserved_count ? &reserved[i] : &fw_reserved[i - reserved_count];
            if (ranges_overlap(at, bytes, r->base, r->size)) {
                at = ALIGN_UP(r->base + r->size, PAGE_SIZE);
                moved = true;
            }
        }
    }
    return at;
}

/* Reserves a range in the page allocator; ranges may overlap (a firmware reservation covering
 * the DTB, say): pages already reserved are skipped. */
static void reserve(u64 base, u64 size)
{
    if (page_alloc_reserve(&pages, hpa(base), size, false) == 0)
        return;
    for (u64 p = ALIGN_DOWN(base, PAGE_SIZE); p < base + size; p += PAGE_SIZE)
        (void)page_alloc_reserve(&pages, hpa(p), PAGE_SIZE, false);
}

static void *pt_alloc_table(void *ctx, u64 *pa)
{
    (void)ctx;
    hpa_t p;
    void *v = mm_alloc_zeroed_page(&p);
    *pa = p.val;
    return v;
}

static void pt_free_table(void *ctx, void *table, u64 pa)
{
    (void)ctx, (void)table;
    mm_free_pages(hpa(pa), 1);
}

static void *pt_pa_to_ptr(void *ctx, u64 pa)
{
    (void)ctx;
    return (void *)(uintptr_t)pa;
}

/* A root of several tables: contiguous, aligned to its size, zeroed. */
static void *pt_alloc_root(void *ctx, unsigned tables, u64 *pa)
{
    (void)ctx;
    hpa_t p;
    if (mm_alloc_pages(tables, (u64)tables * PAGE_SIZE, &p) != 0)
        return NULL;
    void *v = hpa_to_ptr(p);
    memset(v, 0, (size_t)tables * PAGE_SIZE);
    *pa = p.val;
    return v;
}

static void pt_free_root(void *ctx, void *root, u64 pa, unsigned tables)
{
    (void)ctx, (void)root;
    mm_free_pages(hpa(pa), tables);
}

const struct pt_mem mm_pt_mem = {
    .alloc_table = pt_alloc_table,
    .free_table = pt_free_table,
    .pa_to_ptr = pt_pa_to_ptr,
    .alloc_root = pt_alloc_root,
    .free_root = pt_free_root,
};

/* A bank of RAM is writable and never executed, except for the image's code (read-only,
 * executable) and read-only data, which are cut out of it with their own permissions (W^X:
 * a stray write cannot change the code, and nothing the hypervisor writes can be run). */
static void map_ram(const struct mem_range *bank)
{
    const struct range_piece image[] = {
        {(u64)(uintptr_t)__image_start, (u64)(uintptr_t)__text_start, MMU_RODATA},
        {(u64)(uintptr_t)__text_start, (u64)(uintptr_t)__text_end, MMU_CODE},
        {(u64)(uintptr_t)__text_end, (u64)(uintptr_t)__rw_start, MMU_RODATA},
    };
    struct range_piece piece[2 * ARRAY_SIZE(image) + 1];
    int n = range_carve(bank->base, bank->base + bank->size, image, ARRAY_SIZE(image), MMU_NORMAL, piece,
                        ARRAY_SIZE(piece));
    if (n < 0)
        panic("mm: the image's parts are out of order");
    for (int i = 0; i < n; i++)
        if (mmu_map_identity(piece[i].start, piece[i].end - piece[i].start, (enum mmu_mem_type)piece[i].kind) != 0)
            panic("mm: cannot map RAM");
}

BUILT_FOR_SIZE void mm_init(const struct machine *m, u64 image_start, u64 image_end)
{
    ram_count = m->ram_count;
    memcpy(ram, m->ram, ram_count * sizeof(ram[0]));
    if (!ram_count)
        panic("mm: the machine description has no memory");
    for (size_t i = 0; i < m->reserved_count; i++)
        add_reserved(m->reserved[i].base, m->reserved[i].size);
    if (m->firmware_truncated)
        panic("mm: more than %u firmware memory reservations: the rest would be handed out", MACHINE_MAX_RESERVED);
    fw_reserved_count = m->firmware_count;
    memcpy(fw_reserved, m->firmware, fw_reserved_count * sizeof(fw_reserved[0]));

    u64 bitmap_bytes = 0;
    for (size_t i = 0; i < ram_count; i++)
        bitmap_bytes += ALIGN_UP(page_alloc_bitmap_bytes(ram[i].size), 8);
    u64 bitmaps = place_bitmaps(bitmap_bytes, image_end);

    page_alloc_init(&pages);
    u64 at = bitmaps;
    for (size_t i = 0; i < ram_count; i++) {
        page_alloc_add_zone(&pages, hpa(ram[i].base), ram[i].size, (u64 *)(uintptr_t)at);
        at += ALIGN_UP(page_alloc_bitmap_bytes(ram[i].size), 8);
    }
    add_reserved(image_start, image_end - image_start);
    add_reserved(bitmaps, bitmap_bytes);
    for (size_t i = 0; i < reserved_count; i++)
        reserve(reserved[i].base, reserved[i].size);
    for (size_t i = 0; i < fw_reserved_count; i++)
        reserve(fw_reserved[i].base, fw_reserved[i].size);

    mmu_init(&mm_pt_mem);
    for (size_t i = 0; i < ram_count; i++)
        map_ram(&ram[i]);
    for (size_t i = 0; i < platform_device_range_count; i++)
        if (mmu_map_identity(platform_device_ranges[i].base, platform_device_ranges[i].size, MMU_DEVICE) != 0)
            panic("mm: cannot map device range");
    for (size_t i = 0; i < m->device_count; i++)
        if (mmu_map_identity(m->devices[i].base, m->devices[i].size, MMU_DEVICE) != 0)
            panic("mm: cannot map device range %#llx+%#llx", (unsigned long long)m->devices[i].base,
                  (unsigned long long)m->devices[i].size);
    mmu_enable();
    heap_init(&heap);
}

int mm_alloc_pages(u64 count, u64 align, hpa_t *out)
{
    spin_lock(&pages_lock);
    int r = page_alloc_alloc(&pages, count, align < PAGE_SIZE ? PAGE_SIZE : align, out);
    spin_unlock(&pages_lock);
    return r;
}

int mm_reserve(hpa_t base, u64 size)
{
    spin_lock(&pages_lock);
    int r = page_alloc_reserve(&pages, base, size, true);
    spin_unlock(&pages_lock);
    return r;
}

void mm_free_pages_as(hpa_t base, u64 count, enum page_content content)
{
    spin_lock(&pages_lock);
    int r = page_alloc_free_as(&pages, base, count, content);
    spin_unlock(&pages_lock);
    if (r != 0)
        pr_err("mm: bad free of %llu pages at %#llx", (unsigned long long)count, (unsigned long long)base.val);
}

void mm_free_pages(hpa_t base, u64 count) { mm_free_pages_as(base, count, PAGE_DIRTY); }

u64 mm_zero_mask(hpa_t base, u64 n)
{
    spin_lock(&pages_lock);
    u64 m = page_alloc_zero_mask(&pages, base, n);
    spin_unlock(&pages_lock);
    return m;
}

u64 mm_free_page_count(void)
{
    spin_lock(&pages_lock);
    u64 n = page_alloc_free_pages(&pages);
    spin_unlock(&pages_lock);
    return n;
}

u64 mm_total_page_count(void) { return page_alloc_total_pages(&pages); }

void *mm_alloc_zeroed_page(hpa_t *pa)
{
    hpa_t p;
    if (mm_alloc_pages(1, PAGE_SIZE, &p) != 0)
        return NULL;
    void *v = hpa_to_ptr(p);
    if (!(mm_zero_mask(p, 1) & 1)) /* it may hold what its last owner left */
        memset(v, 0, PAGE_SIZE);
    if (pa)
        *pa = p;
    return v;
}

void *kmalloc(size_t size)
{
    spin_lock(&heap_lock);
    void *p = heap_alloc(&heap, size);
    if (!p) {
        u64 grow = MAX(HEAP_GROW_BYTES, ALIGN_UP((u64)size + 64, PAGE_SIZE));
        hpa_t more;
        if (mm_alloc_pages(grow / PAGE_SIZE, PAGE_SIZE, &more) == 0) {
            heap_add(&heap, hpa_to_ptr(more), grow);
            p = heap_alloc(&heap, size);
        }
    }
    spin_unlock(&heap_lock);
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    spin_lock(&heap_lock);
    heap_free(&heap, p);
    spin_unlock(&heap_lock);
}
