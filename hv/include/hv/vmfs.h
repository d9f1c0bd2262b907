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

#endif
