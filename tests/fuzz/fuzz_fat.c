/* libFuzzer target for the FAT reader. The input is a disk image behind a memory block device
 * of 1 GiB: sectors past the end of the input read as zeros (so a seed cut after its last used
 * sector keeps its geometry) and the upper half of the device fails with an I/O error. When bit 7
 * of byte 3 is set (the boot sector's OEM name, which the reader ignores), sectors past the end
 * wrap around to the start of the input instead: a FAT32 volume, whose FATs alone span hundreds
 * of sectors, then fits a small input (see "fold" in tests/unit/lib/fat/fatimg.py). Each
 * input is mounted (bare volume or MBR), the root and one level of subdirectories are listed,
 * and every file found is opened by path and read to the end (bounded in total), once
 * sequentially in varying chunk sizes and then at a few offsets with fat_read_at, which must
 * agree. Invariant violations trap so that libFuzzer records the input. */
#include <stddef.h>
#include <stdint.h>

#include <lib/fat.h>
#include <lib/string.h>
#include <lib/types.h>

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            __builtin_trap();                                                                                \
    } while (0)

#define DEV_SECTORS (1ull << 21)  /* 1 GiB */
#define EIO_FROM (1ull << 20)     /* requests reaching the upper half fail */
#define MAX_ENTRIES 64            /* listed per directory */
#define MAX_SUBDIRS 8             /* subdirectories of the root that are listed */
#define READ_BUDGET (256u * 1024) /* bytes read per input, over all files */
#define KEEP (64u * 1024)         /* bytes of each file kept for the fat_read_at comparison */

static const u8 *in_data;
static size_t in_size;
static bool wrap;
static u32 budget;
static u32 prng;

static struct fat_fs fs;
static u8 chunk[KEEP];
static u8 kept[KEEP];
static char subdirs[MAX_SUBDIRS][FAT_NAME_MAX + 2];

static int mem_read(void *ctx, u64 lba, u32 count, void *buf)
{
    (void)ctx;
    CHECK(count > 0 && lba < DEV_SECTORS && count <= DEV_SECTORS - lba);
    if (lba + count > EIO_FROM)
        return -5;
    u8 *out = buf;
    u64 in_sectors = (in_size + FAT_SECTOR_SIZE - 1) / FAT_SECTOR_SIZE;
    for (u32 i = 0; i < count; i++, out += FAT_SECTOR_SIZE) {
        u64 off = (wrap ? (lba + i) % in_sectors : lba + i) * FAT_SECTOR_SIZE;
        size_t n = off < in_size ? (size_t)MIN((u64)FAT_SECTOR_SIZE, in_size - off) : 0;
        if (n)
            memcpy(out, in_data + off, n);
        memset(out + n, 0, FAT_SECTOR_SIZE - n);
    }
    return 0;
}

static u32 next_rand(void)
{
    prng = prng * 1103515245u + 12345u;
    return prng >> 8;
}

static bool known_error(int rc)
{
    return rc < 0 && rc >= FAT_EINVAL && strcmp(fat_strerror(rc), "unknown error") != 0;
}

/* dir + "/" + name into out (size FAT_NAME_MAX * 2 + 4); false if name cannot be a component. */
static bool join(char *out, const char *dir, const char *name)
{
    if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    size_t d = strlen(dir), n = strlen(name);
    memcpy(out, dir, d);
    out[d] = '/';
    memcpy(out + d + 1, name, n + 1);
    return true;
}

static void read_file(const char *path, u32 expect_size)
{
    struct fat_file f;
    int rc = fat_open(&fs, path, &f);
    if (rc) {
        CHECK(known_error(rc));
        return;
    }
    if (fat_is_dir(&f)) { /* another entry of the same name came first */
        CHECK(fat_read(&f, chunk, 1) == FAT_EISDIR);
        return;
    }
    u64 size = fat_file_size(&f);
    (void)expect_size; /* may differ: lookup finds the first entry of a name */
    u64 total = 0;
    bool clean = true;
    while (budget > 0) {
        u32 r = 1 + next_rand() % KEEP;
        u32 want = MIN(r, budget);
        rc = fat_read(&f, chunk, want);
        if (rc < 0) {
            CHECK(known_error(rc));
            clean = false;
            break;
        }
        CHECK((u32)rc <= want);
        CHECK(f.pos == total + (u32)rc);
        if (rc == 0)
            break;
        if (total < KEEP)
            memcpy(kept + total, chunk, MIN((u64)rc, KEEP - total));
        total += (u32)rc;
        budget -= (u32)rc;
        CHECK(total <= size);
    }
    if (clean && budget > 0)
        CHECK(total == size);
    if (!clean)
        return;
    /* Random access over the part read sequentially must give the same bytes. */
    u64 have = MIN(total, (u64)KEEP);
    for (int i = 0; i < 4 && have > 0; i++) {
        u64 off = next_rand() % have;
        u64 r = 1 + next_rand() % have; /* MIN evaluates its arguments twice */
        u32 len = (u32)MIN(r, have - off);
        rc = fat_read_at(&f, off, chunk, len);
        CHECK(rc == (int)len);
        CHECK(memcmp(chunk, kept + off, len) == 0);
    }
    CHECK(fat_read_at(&f, size, chunk, 1) == 0);
}

/* Lists dir; reads its files; at the root, remembers subdirectories for listing. */
static void list(const char *dir, bool root, int *nsub)
{
    static char path[FAT_NAME_MAX * 2 + 4];
    struct fat_file d;
    struct fat_dirent e;
    int rc = fat_opendir(&fs, dir, &d);
    if (rc) {
        CHECK(known_error(rc));
        return;
    }
    CHECK(fat_is_dir(&d));
    for (int n = 0; n < MAX_ENTRIES; n++) {
        rc = fat_readdir(&d, &e);
        if (rc <= 0) {
            CHECK(rc == 0 || known_error(rc));
            break;
        }
        CHECK(rc == 1);
        size_t len = strlen(e.name);
        CHECK(len > 0 && len <= FAT_NAME_MAX);
        CHECK(strlen(e.short_name) > 0 && strlen(e.short_name) <= 12);
        CHECK(e.is_dir == ((e.attr & FAT_ATTR_DIRECTORY) != 0));
        CHECK(!e.is_dir || e.size == 0);
        if (!join(path, root ? "" : dir, e.name))
            continue;
        if (e.is_dir) {
            if (root && *nsub < MAX_SUBDIRS)
                str_copy(subdirs[(*nsub)++], path, sizeof(subdirs[0]));
        } else {
            read_file(path, e.size); /* interleaved with the listing of its directory */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_data = data;
    in_size = size;
    wrap = size > 3 && (data[3] & 0x80);
    budget = READ_BUDGET;
    prng = (u32)size;
    for (size_t i = 0; i < MIN(size, (size_t)64); i++)
        prng = prng * 31 + data[i];

    struct fat_blockdev dev = {.read = mem_read, .sectors = DEV_SECTORS, .ctx = NULL, .max_sectors = 0};
    if (size > 0 && (data[0] & 1))
        dev.max_sectors = 64; /* exercise request splitting too */
    int rc = fat_mount_disk(&fs, &dev);
    if (rc) {
        CHECK(known_error(rc));
        return 0;
    }
    CHECK(fat_type(&fs) == 16 || fat_type(&fs) == 32);
    CHECK(fat_cluster_size(&fs) >= 512 && fat_cluster_size(&fs) <= 65536);

    int nsub = 0;
    list("/", true, &nsub);
    for (int i = 0; i < nsub; i++)
        list(subdirs[i], false, &nsub);
    return 0;
}
