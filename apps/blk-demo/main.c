/* An application of the base that exercises its virtio-blk driver: reads the whole first disk in
 * large requests, prints an FNV-1a checksum and the throughput, then writes the last sector and
 * reads it back. A system test compares the checksum with one computed on the host. */
#include <base/app.h>
#include <base/blockdev.h>
#include <base/boot.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/timer.h>
#include <lib/string.h>

#define CHUNK_SECTORS 2048 /* 1 MiB per call */

void app_secondary_main(u32 cpu) { (void)cpu; }

static u64 fnv1a(u64 h, const u8 *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

void app_main(void)
{
    base_probe_disks();
    struct blockdev *dev = blockdev_get(0);
    if (!dev) {
        pr_err("blk-demo: no block device");
        return;
    }
    hpa_t pa;
    if (mm_alloc_pages(CHUNK_SECTORS * BLOCKDEV_SECTOR / PAGE_SIZE, PAGE_SIZE, &pa) != 0)
        return;
    u8 *buf = hpa_to_ptr(pa);
    u64 h = 0xcbf29ce484222325ull, t0 = timer_ticks();
    for (u64 lba = 0; lba < dev->sectors; lba += CHUNK_SECTORS) {
        u32 n = (u32)MIN((u64)CHUNK_SECTORS, dev->sectors - lba);
        if (dev->read(dev, lba, n, buf) != 0) {
            pr_err("blk-demo: read error at sector %llu", (unsigned long long)lba);
            return;
        }
        h = fnv1a(h, buf, (size_t)n * BLOCKDEV_SECTOR);
    }
    u64 ticks = timer_ticks() - t0;
    u64 ns = ticks * 1000000000ull / timer_freq();
    u64 bytes = dev->sectors * BLOCKDEV_SECTOR;
    pr_info("blk-demo: read %llu bytes, fnv1a %016llx, %llu KiB/s", (unsigned long long)bytes,
            (unsigned long long)h, (unsigned long long)(ns ? bytes * 1000000000ull / ns / 1024 : 0));
    memset(buf, 0x5a, BLOCKDEV_SECTOR);
    if (dev->write(dev, dev->sectors - 1, 1, buf) != 0 || (memset(buf, 0, BLOCKDEV_SECTOR), 0) ||
        dev->read(dev, dev->sectors - 1, 1, buf) != 0 || buf[0] != 0x5a || buf[511] != 0x5a)
        pr_err("blk-demo: write/read-back of the last sector failed");
    else
        pr_info("blk-demo: last sector written and read back");
}
