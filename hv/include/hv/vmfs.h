/* Guest configs and images on a FAT disk (APP_FEATURES=fs). Without the feature, weak defaults
 * in hv/core/image.c say the disk is absent, so generic code needs no #ifdef. */
#ifndef HV_VMFS_H
#define HV_VMFS_H

#include <lib/types.h>

#define VMFS_CONFIG_DIR "/guest/vm_default"

/* Mounts the first block device. Returns true when a FAT volume is ready. */
bool vmfs_mount(void);
bool vmfs_present(void);
/* Calls fn for every *.toml in VMFS_CONFIG_DIR with its path and contents. */
void vmfs_for_each_config(void (*fn)(const char *path, const char *text, size_t len, void *ctx), void *ctx);
/* Size of the file at path; 0 or a negative error whose text vmfs_strerror gives. */
int vmfs_size(const char *path, u64 *size);
/* Reads the whole file (exactly size bytes, from vmfs_size) into dst. */
int vmfs_read(const char *path, void *dst, u64 size);
const char *vmfs_strerror(int err);

/* A run of a file's sectors on the disk: file sectors [file_sector, file_sector + count) are
 * disk sectors [lba, lba + count). */
struct vmfs_extent {
    u64 file_sector, lba, count;
};
/* The file's sectors as runs (at most max; more is FAT_ENOSPC), and its size in bytes. */
int vmfs_extents(const char *path, struct vmfs_extent *out, u32 max, u32 *n, u64 *size);
/* Reads or writes sectors of the disk the volume is on (buf: hypervisor memory, identity
 * mapped). 0 or a negative error. */
int vmfs_disk_io(bool write, u64 lba, u32 count, void *buf);
bool vmfs_disk_read_only(void);
struct blockdev;
/* Whether the volume is on disk (which no VM may then be given whole or in part). */
bool vmfs_on_disk(const struct blockdev *disk);

#endif
