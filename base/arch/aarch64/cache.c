#include <arch/sysreg.h>
#include <base/mm.h>
#include <lib/string.h>

static u64 dcache_line(void)
{
    return 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
}

static void clean_lines(void *p, size_t len)
{
    u64 line = dcache_line();
    u64 a = ALIGN_DOWN((u64)(uintptr_t)p, line), end = (u64)(uintptr_t)p + len;
    for (; a + 4 * line <= end; a += 4 * line) /* 4 lines per pass: fewer loop instructions */
        __asm__ volatile("dc cvac, %0\n dc cvac, %1\n dc cvac, %2\n dc cvac, %3" ::"r"(a), "r"(a + line),
                         "r"(a + 2 * line), "r"(a + 3 * line)
                         : "memory");
    for (; a < end; a += line)
        __asm__ volatile("dc cvac, %0" ::"r"(a) : "memory");
}

void mm_clean_dcache(void *p, size_t len)
{
    clean_lines(p, len);
    dsb(ish);
}

void mm_sync_for_exec(void *p, size_t len)
{
    clean_lines(p, len);
    dsb(ish);
    __asm__ volatile("ic ialluis" ::: "memory");
    dsb(ish);
    isb();
}

/* Zeroes [p, p+len) with DC ZVA where the CPU allows it: one instruction per cache-line block
 * instead of eight stores (it matters for hundreds of MiB of guest RAM, and even more under
 * emulation). Needs normal memory, i.e. the MMU on. */
void mm_zero(void *p, size_t len)
{
    u64 dczid = read_sysreg(dczid_el0);
    u64 block = 4ull << (dczid & 0xf);
    u8 *a = p, *end = a + len;
    if (dczid & (1u << 4) || len < 2 * block) {
        memset(p, 0, len);
        return;
    }
    u8 *aligned = (u8 *)ALIGN_UP((uintptr_t)a, block);
    memset(a, 0, (size_t)(aligned - a));
    for (a = aligned; a + 4 * block <= end; a += 4 * block)
        __asm__ volatile("dc zva, %0\n dc zva, %1\n dc zva, %2\n dc zva, %3" ::"r"(a), "r"(a + block),
                         "r"(a + 2 * block), "r"(a + 3 * block)
                         : "memory");
    for (; a + block <= end; a += block)
        __asm__ volatile("dc zva, %0" ::"r"(a) : "memory");
    memset(a, 0, (size_t)(end - a));
}

/* The cache line when DC ZVA's block is that line (as on Cortex-A cores), else 0; read from
 * DCZID_EL0 and CTR_EL0 once, by the first call (zva_line_probed). */
static u64 zva_line;
static bool zva_line_probed;

void mm_zero_for_guest(void *p, size_t len);

/* The first call, and ranges the one-pass loop does not take: zeroed, then cleaned. */
static __attribute__((noinline)) void zero_for_guest_slow(void *p, size_t len)
{
    if (!zva_line_probed) {
        u64 dczid = read_sysreg(dczid_el0), line = dcache_line();
        zva_line = !(dczid & (1u << 4)) && 4ull << (dczid & 0xf) == line ? line : 0;
        zva_line_probed = true;
        if (zva_line && IS_ALIGNED((u64)(uintptr_t)p | len, 16 * zva_line)) {
            mm_zero_for_guest(p, len);
            return;
        }
    }
    mm_zero(p, len);
    mm_clean_dcache(p, len);
}

/* Zeroes and cleans to the point of coherency in one pass where DC ZVA's block is the cache line:
 * each line is zeroed and cleaned while at hand, 3 instructions per line, 16 lines per loop pass
 * (a lazy page's fault-in zeroes one page: 4 passes of 64-byte lines, the loop's own
 * instructions a few percent of it). */
#define ZVA_CVAC_LINE "dc zva, %0\n dc cvac, %0\n add %0, %0, %1\n"
#define ZVA_CVAC_4 ZVA_CVAC_LINE ZVA_CVAC_LINE ZVA_CVAC_LINE ZVA_CVAC_LINE
void mm_zero_for_guest(void *p, size_t len)
{
    u64 line = zva_line, a = (u64)(uintptr_t)p, end = a + len;
    if (!line || !IS_ALIGNED(a | len, 16 * line)) {
        zero_for_guest_slow(p, len);
        return;
    }
    while (a < end)
        __asm__ volatile(ZVA_CVAC_4 ZVA_CVAC_4 ZVA_CVAC_4 ZVA_CVAC_4 : "+r"(a) : "r"(line) : "memory");
    dsb(ish);
}
