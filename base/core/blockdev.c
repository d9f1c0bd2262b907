#include <base/blockdev.h>
#include <base/boot.h>
#include <base/log.h>
#include <drivers/virtio_blk.h>

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

/* Disks are probed (and so kept by the base) only when an application asks for one: an
 * application that uses none leaves them free, for a VM to be given by passthrough. */
struct blockdev *blockdev_get(unsigned index)
{
    static bool probed;
    if (!probed) {
        probed = true;
        virtio_blk_probe(&boot_info.fdt);
    }
    return index < device_count ? devices[index] : NULL;
}
