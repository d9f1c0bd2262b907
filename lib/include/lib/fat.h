/* FAT16/FAT32 file-system reader over an abstract block device (Microsoft FAT specification,
 * "FAT: General Overview of On-Disk Format"). The medium is untrusted: every on-disk value is
 * validated before use, every walk is bounded, and a damaged volume yields an error code, never
 * an out-of-bounds access or a hang. Freestanding, no heap, no recursion; writes only in place (fat_write_at: a file's own clusters,
 * within its size), see docs/fat.md.
 *
 * Not thread-safe: a mounted volume and its open files must be used by one thread at a time
 * (the sector caches and the long-name scratch buffer live in struct fat_fs). */
#ifndef LIB_FAT_H
#define LIB_FAT_H

#include <lib/types.h>

#define FAT_SECTOR_SIZE 512u /* the only supported logical sector size */

struct fat_blockdev {
    /* Reads `count` 512-byte sectors starting at `lba` into buf. Returns 0 or a negative error
     * (any nonzero value is reported as FAT_EIO). */
    int (*read)(void *ctx, u64 lba, u32 count, void *buf);
    int (*write)(void *ctx, u64 lba, u32 count, const void *buf); /* may be NULL (read-only) */
    u64 sectors;                                                  /* device size */
    void *ctx;
    u32 max_sectors; /* largest `count` the device accepts in one call; 0 = no limit */
};

enum fat_error {
    FAT_OK = 0,
    FAT_EIO = -1,          /* the block device failed (or the read was past its end) */
    FAT_ENOTFAT = -2,      /* no FAT16/FAT32 volume there (FAT12 is reported as this too) */
    FAT_ECORRUPT = -3,     /* a FAT volume, but inconsistent: bad geometry, chain, entry */
    FAT_ENOENT = -4,       /* no such file or directory */
    FAT_ENOTDIR = -5,      /* a path component (or fat_opendir/fat_readdir target) is a file */
    FAT_EISDIR = -6,       /* fat_read on a directory */
    FAT_ENAMETOOLONG = -7, /* a path component longer than 255 UTF-16 units */
    FAT_ENOSPC = -8,       /* (writer) volume full */
    FAT_EINVAL = -9,       /* bad argument, or an unsupported variant (sector size != 512) */
};

const char *fat_strerror(int err);

/* Sectors of the FAT read (and cached) at once: sequential chain walks cost one device read
 * per FAT_CACHE_SECTORS * 128 (FAT32) or * 256 (FAT16) clusters. */
#ifndef FAT_CACHE_SECTORS
#define FAT_CACHE_SECTORS 8
#endif

#define FAT_LFN_MAX 255                /* UTF-16 units in a long name */
#define FAT_NAME_MAX (FAT_LFN_MAX * 3) /* its longest UTF-8 form, in bytes */

/* A mounted volume. All state is inside (about 5 KiB with the default cache): keep it in
 * static storage or on the heap rather than on a small stack. Sector numbers are relative to
 * the start of the volume unless named *_lba. */
struct fat_fs {
    struct fat_blockdev dev; /* a copy of the caller's device */
    u64 start_lba;           /* first sector of the volume on the device */
    u32 total_sectors;       /* size of the volume */
    u8 type;                 /* 16 or 32 */
    u8 num_fats;
    u8 cluster_shift; /* log2(bytes per cluster) */
    u8 sec_per_clus_shift;
    u32 fat_start;   /* first sector of the FAT in use (the active one on FAT32) */
    u32 fat_sectors; /* sectors per FAT */
    u32 root_start;  /* FAT16: first sector of the fixed root directory */
    u32 root_entries;
    u32 root_cluster;     /* FAT32: first cluster of the root directory */
    u32 data_start;       /* first sector of cluster 2 */
    u32 clusters;         /* number of data clusters; valid cluster numbers are 2..clusters+1 */
    u32 max_dir_clusters; /* a directory holds at most 65536 entries (2 MiB) */
    /* Caches, invalidated by mount. */
    u32 fat_cache_sector; /* first cached FAT sector, counted from the start of the FAT */
    u32 fat_cache_count;  /* sectors in the window (the last window may be short) */
    u32 sec_cache_sector; /* volume-relative */
    bool fat_cache_valid;
    bool sec_cache_valid;
    bool read_only;
    u16 lfn_len;      /* scratch: the long name being assembled by a directory scan */
    u16 lfn[20 * 13]; /* 20 long-name entries of 13 UTF-16 units each */
    _Alignas(8) u8 fat_cache[FAT_CACHE_SECTORS * FAT_SECTOR_SIZE];
    _Alignas(8) u8 sec_cache[FAT_SECTOR_SIZE]; /* directory sectors, partial data sectors */
};

/* An open file or directory. Plain data: copying it gives an independent handle. */
struct fat_file {
    struct fat_fs *fs;
    u32 first_cluster; /* 0 for an empty file and for the FAT16 fixed root directory */
    u32 size;          /* file size in bytes; 0 for directories */
    u64 pos;           /* fat_read position (files), next entry offset in bytes (directories) */
    u32 cur_cluster;   /* cluster number cur_index of the chain; 0 = not positioned yet */
    u32 cur_index;
    u8 attr; /* FAT_ATTR_* of the directory entry (FAT_ATTR_DIRECTORY for the root) */
    bool is_dir;
    bool fixed_root; /* the FAT16 root directory (a fixed region, not a cluster chain) */
    bool dir_end;    /* directory scan reached the end marker */
    /* Where the directory entry lives (for a writer); 0/0 for the root. */
    u32 dirent_sector;
    u16 dirent_offset;
};

enum {
    FAT_ATTR_READ_ONLY = 0x01,
    FAT_ATTR_HIDDEN = 0x02,
    FAT_ATTR_SYSTEM = 0x04,
    FAT_ATTR_VOLUME_ID = 0x08,
    FAT_ATTR_DIRECTORY = 0x10,
    FAT_ATTR_ARCHIVE = 0x20,
    FAT_ATTR_LONG_NAME = 0x0f,
};

struct fat_dirent {
    char name[FAT_NAME_MAX + 1]; /* long name (UTF-8) if present and valid, else 8.3 "NAME.EXT" */
    char short_name[13];         /* the 8.3 name, "NAME.EXT" (OEM bytes >= 0x80 shown as '?') */
    u32 size;
    u32 cluster; /* first cluster (0 for empty files) */
    u8 attr;
    bool is_dir;
};

/* Mounts the FAT16/FAT32 volume that starts at start_lba of dev (the device struct is copied).
 * Returns FAT_OK, FAT_ENOTFAT (no FAT volume, or FAT12), FAT_EINVAL (bad arguments or an
 * unsupported sector size), FAT_ECORRUPT (inconsistent BPB, volume beyond the device) or
 * FAT_EIO. */
int fat_mount(struct fat_fs *fs, const struct fat_blockdev *dev, u64 start_lba);
/* Whole disk: a bare FAT volume at sector 0, or else the first FAT partition of an MBR
 * (types 0x04, 0x06, 0x0b, 0x0c, 0x0e, 0xef) that mounts. */
int fat_mount_disk(struct fat_fs *fs, const struct fat_blockdev *dev);
int fat_type(const struct fat_fs *fs);         /* 16 or 32 */
u32 fat_cluster_size(const struct fat_fs *fs); /* bytes */

/* Opens a file or directory. Paths are '/' separated (a leading '/' is optional, repeated '/'
 * and "." components are ignored, ".." goes up), matched case-insensitively (ASCII and
 * Latin-1) against long names and 8.3 names. A trailing '/' requires a directory. */
int fat_open(struct fat_fs *fs, const char *path, struct fat_file *f);
/* Reads from the current position and advances it; returns bytes read (0 at EOF), or a
 * negative error (FAT_EISDIR for a directory); the position is unchanged on error. */
int fat_read(struct fat_file *f, void *buf, u32 len);
/* Reads at offset without moving the position. Reads larger than 2 GiB - 512 are shortened. */
int fat_read_at(struct fat_file *f, u64 offset, void *buf, u32 len);
int fat_seek(struct fat_file *f, u64 pos); /* sets the fat_read position (may be past EOF) */
/* Where the file's byte at offset (< its size) is on the device: the LBA of its sector, and
 * how many bytes from offset on follow it contiguously there (to the end of its cluster or of
 * the file). For devices that pass a file's blocks straight through (a VM's virtio-blk). */
int fat_file_extent(struct fat_file *f, u64 offset, u64 *lba, u64 *bytes);
/* Writes len bytes at offset in place: into the file's existing clusters, within its size (it
 * never grows: FAT_ENOSPC; no FAT or directory entry is changed). Needs dev.write. Returns the
 * bytes written or a negative error. */
int fat_write_at(struct fat_file *f, u64 offset, const void *buf, u32 len);

u64 fat_file_size(const struct fat_file *f);
bool fat_is_dir(const struct fat_file *f);

/* Opens a directory for fat_readdir (FAT_ENOTDIR if path is a file). */
int fat_opendir(struct fat_fs *fs, const char *path, struct fat_file *dir);
/* Next entry: 1 = *ent filled, 0 = end, < 0 error. Skips volume labels, ".", ".." and
 * deleted entries. */
int fat_readdir(struct fat_file *dir, struct fat_dirent *ent);
void fat_rewinddir(struct fat_file *dir);

#endif
