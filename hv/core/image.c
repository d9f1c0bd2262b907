#include <hv/image.h>
#include <hv/vmfs.h>
#include <lib/string.h>

const struct embedded_file *image_find(const char *name)
{
    for (u64 i = 0; i < embedded_file_count; i++)
        if (embedded_files[i].kind == EMBEDDED_IMAGE && strcmp(embedded_files[i].name, name) == 0)
            return &embedded_files[i];
    return NULL;
}

/* Without APP_FEATURES=fs (hv/fs/vmfs.c) there is no disk. */
__attribute__((weak)) bool vmfs_mount(void) { return false; }
__attribute__((weak)) bool vmfs_present(void) { return false; }
__attribute__((weak)) void vmfs_for_each_config(void (*fn)(const char *, const char *, size_t, void *), void *ctx)
{
    (void)fn, (void)ctx;
}
__attribute__((weak)) int vmfs_size(const char *path, u64 *size)
{
    (void)path, (void)size;
    return -1;
}
__attribute__((weak)) int vmfs_read(const char *path, void *dst, u64 size)
{
    (void)path, (void)dst, (void)size;
    return -1;
}
__attribute__((weak)) int vmfs_extents(const char *path, struct vmfs_extent *out, u32 max, u32 *n, u64 *size)
{
    (void)path, (void)out, (void)max, (void)n, (void)size;
    return -1;
}
__attribute__((weak)) int vmfs_disk_io(bool write, u64 lba, u32 count, void *buf)
{
    (void)write, (void)lba, (void)count, (void)buf;
    return -1;
}
__attribute__((weak)) bool vmfs_disk_read_only(void) { return true; }
__attribute__((weak)) bool vmfs_on_disk(const struct blockdev *disk)
{
    (void)disk;
    return false;
}
__attribute__((weak)) const char *vmfs_strerror(int err)
{
    (void)err;
    return "no disk support in this build (APP_FEATURES=fs)";
}
