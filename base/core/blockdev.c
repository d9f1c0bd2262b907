#include <base/blockdev.h>
#include <base/boot.h>
#include <base/log.h>

static struct blockdev *devices[BLOCKDEV_MAX];
static unsigned device_count;

int blockdev_register(struct blockdev *dev)
{
    if (device_count == BLOCKDEV_MAX) {
        pr_warn("blockdev: more than %u block devices; '%s' ignored", BLOCKDEV_MAX, dev->name);
        return -1;
    }
    devices[device_count++] = dev;
    pr_info("blockdev: %s, %llu MiB%s", dev->name, (unsigned long long)(dev->sectors * BLOCKDEV_SECTOR >> 20),
            dev->read_only ? ", read-only" : "");
    return 0;
}

struct blockdev *blockdev_get(unsigned index) { return index < device_count ? devices[index] : NULL; }
