/* APP_FEATURES=fs: the hypervisor reads VM configs from the .toml files of /guest/vm_default on the
 * block device (a FAT16/FAT32 volume, bare or in an MBR partition) and loads images with
 * image_location = "fs" from it, straight into guest memory in large requests. */
#include <base/blockdev.h>
#include <base/boot.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/timer.h>
#include <hv/vmfs.h>
#include <lib/fat.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define CONFIG_MAX KiB(64)

static struct fat_fs fs;
static bool mounted;
static struct blockdev *the_disk;

static int disk_read(void *ctx, u64 lba, u32 count, void *buf)
{
    struct blockdev *d = ctx;
    return d->read(d, lba, count, buf);
}

bool vmfs_mount(void)
{
    base_probe_disks();
    struct blockdev *disk = blockdev_get(0);
    if (!disk) {
        pr_err("fs: built with APP_FEATURES=fs but no disk is attached (make ... DISK_IMG=path run)");
        return false;
    }
    struct fat_blockdev dev = {.read = disk_read, .sectors = disk->sectors, .ctx = disk};
    int r = fat_mount_disk(&fs, &dev);
    if (r != FAT_OK) {
        pr_err("fs: %s: cannot mount: %s", disk->name, fat_strerror(r));
        return false;
    }
    mounted = true;
    the_disk = disk;
    pr_info("fs: %s: FAT%d volume mounted", disk->name, fat_type(&fs));
    return true;
}

bool vmfs_present(void) { return mounted; }
const char *vmfs_strerror(int err) { return fat_strerror(err); }

static bool is_toml(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && (strcmp(name + n - 5, ".toml") == 0 || strcmp(name + n - 5, ".TOML") == 0);
}

void vmfs_for_each_config(void (*fn)(const char *path, const char *text, size_t len, void *ctx), void *ctx)
{
    struct fat_file dir;
    struct fat_dirent *ent = kmalloc(sizeof(*ent));
    char *path = kmalloc(512), *text = kmalloc(CONFIG_MAX);
    if (!mounted || !ent || !path || !text)
        goto out;
    int r = fat_opendir(&fs, VMFS_CONFIG_DIR, &dir);
    if (r != FAT_OK) {
        pr_warn("fs: %s: %s; no configs read from the disk", VMFS_CONFIG_DIR, fat_strerror(r));
        goto out;
    }
    while ((r = fat_readdir(&dir, ent)) == 1) {
        if (ent->is_dir || !is_toml(ent->name))
            continue;
        fmt_snprintf(path, 512, "%s/%s", VMFS_CONFIG_DIR, ent->name);
        if (ent->size > CONFIG_MAX) {
            pr_err("disk:%s: config larger than %llu KiB; skipped", path, (unsigned long long)(CONFIG_MAX >> 10));
            continue;
        }
        int n = vmfs_read(path, text, ent->size);
        if (n < 0) {
            pr_err("disk:%s: cannot read: %s; skipped", path, fat_strerror(n));
            continue;
        }
        fn(path, text, ent->size, ctx);
    }
    if (r < 0)
        pr_err("fs: %s: %s while listing", VMFS_CONFIG_DIR, fat_strerror(r));
out:
    kfree(ent);
    kfree(path);
    kfree(text);
}

int vmfs_extents(const char *path, struct vmfs_extent *out, u32 max, u32 *n, u64 *size)
{
    struct fat_file f;
    if (!mounted)
        return FAT_EIO;
    int r = fat_open(&fs, path, &f);
    if (r != FAT_OK)
        return r;
    if (fat_is_dir(&f))
        return FAT_EISDIR;
    *size = fat_file_size(&f);
    *n = 0;
    for (u64 off = 0; off < *size;) {
        u64 lba, run;
        if ((r = fat_file_extent(&f, off, &lba, &run)) != FAT_OK)
            return r;
        u64 secs = (run + 511) / 512;
        struct vmfs_extent *last = *n ? &out[*n - 1] : NULL;
        if (last && last->lba + last->count == lba) {
            last->count += secs;
        } else {
            if (*n == max)
                return FAT_ENOSPC;
            out[(*n)++] = (struct vmfs_extent){off / 512, lba, secs};
        }
        off += run;
    }
    return FAT_OK;
}

int vmfs_disk_io(bool write, u64 lba, u32 count, void *buf)
{
    if (!mounted || !the_disk)
        return FAT_EIO;
    return write ? the_disk->write(the_disk, lba, count, buf) : the_disk->read(the_disk, lba, count, buf);
}

bool vmfs_on_disk(const struct blockdev *disk) { return mounted && disk == the_disk; }

bool vmfs_disk_read_only(void) { return !the_disk || the_disk->read_only || !the_disk->write; }

int vmfs_size(const char *path, u64 *size)
{
    struct fat_file f;
    if (!mounted)
        return FAT_EIO;
    int r = fat_open(&fs, path, &f);
    if (r == FAT_OK)
        *size = fat_file_size(&f);
    return r;
}

int vmfs_read(const char *path, void *dst, u64 size)
{
    struct fat_file f;
    int r = fat_open(&fs, path, &f);
    if (r != FAT_OK)
        return r;
    u64 t0 = timer_ticks();
    for (u64 done = 0; done < size;) {
        u32 chunk = (u32)MIN(size - done, (u64)MiB(64));
        int n = fat_read_at(&f, done, (u8 *)dst + done, chunk);
        if (n < 0)
            return n;
        if (n == 0)
            return FAT_ECORRUPT; /* shorter than its directory entry said */
        done += (u64)n;
    }
    u64 ns = (timer_ticks() - t0) * 1000000000ull / timer_freq();
    if (size >= MiB(1))
        pr_info("fs: loaded %s: %llu KiB in %llu ms (%llu MB/s)", path, (unsigned long long)(size >> 10),
                (unsigned long long)(ns / 1000000), (unsigned long long)(ns ? size * 1000ull / ns : 0));
    return (int)MIN(size, (u64)0x7fffffff);
}
