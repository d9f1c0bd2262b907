/* Block devices of the base (512-byte sectors). Drivers register what they find when the
 * application first asks for a disk (blockdev_get); until then no disk is touched. */
#ifndef BASE_BLOCKDEV_H
#define BASE_BLOCKDEV_H

#include <lib/types.h>

#define BLOCKDEV_SECTOR 512u
#define BLOCKDEV_MAX 4

struct blockdev {
    const char *name;
    u64 sectors;
    bool read_only;
    /* Reads / writes count sectors at lba; buf is any hypervisor memory (identity mapped, so
     * physically contiguous). Return 0 or a negative error. Calls are serialised per device. */
    int (*read)(struct blockdev *dev, u64 lba, u32 count, void *buf);
    int (*write)(struct blockdev *dev, u64 lba, u32 count, const void *buf);
    void *priv;
};

int blockdev_register(struct blockdev *dev);
struct blockdev *blockdev_get(unsigned index); /* NULL past the last one; the first call probes */

#endif
