/* FAT16/FAT32 reader, written from the Microsoft FAT specification ("FAT: General Overview of
 * On-Disk Format"): boot sector / BPB, FAT entries, 32-byte directory entries and VFAT long-name
 * entries.
 *
 * The medium is untrusted. fat_mount validates the BPB geometry against the device; every
 * cluster number read from disk is range-checked before use; chain walks are bounded by the
 * file size (files) or by the 65536-entry directory limit (directories); every on-disk value is
 * read with byte loads (little-endian, possibly unaligned). Layout of the code, bottom up:
 * device access and the two caches, FAT entries, cluster-chain cursors, data reads (contiguous
 * clusters coalesced into one device request), directory scanning with long-name assembly,
 * path lookup, mount. A writer would add: a dirty flag per cache with write-back, FAT entry
 * stores mirrored to every FAT, cluster allocation, and directory entry updates through the
 * entry locations recorded in struct fat_file. */
#include <lib/fat.h>
#include <lib/string.h>

#define CHAIN_END 0xffffffffu        /* fat_next: end-of-chain mark reached */
#define MAX_DIR_BYTES (65536u * 32u) /* a directory holds at most 65536 entries */
#define MAX_READ 0x7ffffe00u         /* largest single read (the result is an int) */
#define DIRENT_SIZE 32u
#define BAD_CODEPOINT 0xffffffffu

static u16 le16(const u8 *p)
{
    return (u16)(p[0] | p[1] << 8);
}

static u32 le32(const u8 *p)
{
    return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

const char *fat_strerror(int err)
{
    switch (err) {
    case FAT_OK:
        return "success";
    case FAT_EIO:
        return "I/O error";
    case FAT_ENOTFAT:
        return "not a FAT16/FAT32 file system";
    case FAT_ECORRUPT:
        return "corrupted file system";
    case FAT_ENOENT:
        return "no such file or directory";
    case FAT_ENOTDIR:
        return "not a directory";
    case FAT_EISDIR:
        return "is a directory";
    case FAT_ENAMETOOLONG:
        return "file name too long";
    case FAT_ENOSPC:
        return "no space left on volume";
    case FAT_EINVAL:
        return "invalid argument or unsupported format";
    default:
        return "unknown error";
    }
}

/* ---- device access and caches ---- */

/* Reads sectors [sector, sector+count) of the volume, split to the device's request limit. */
static int dev_read(struct fat_fs *fs, u32 sector, u32 count, void *buf)
{
    if (sector > fs->total_sectors || count > fs->total_sectors - sector)
        return FAT_ECORRUPT; /* unreachable with validated geometry; kept as a last guard */
    u8 *p = buf;
    u32 max = fs->dev.max_sectors ? fs->dev.max_sectors : count;
    while (count) {
        u32 n = MIN(count, max);
        if (fs->dev.read(fs->dev.ctx, fs->start_lba + sector, n, p) != 0)
            return FAT_EIO;
        sector += n;
        count -= n;
        p += (size_t)n * FAT_SECTOR_SIZE;
    }
    return FAT_OK;
}

/* One-sector cache for directory sectors and the partial sectors at the ends of data reads. */
static int sec_get(struct fat_fs *fs, u32 sector, const u8 **out)
{
    if (!fs->sec_cache_valid || fs->sec_cache_sector != sector) {
        fs->sec_cache_valid = false;
        int rc = dev_read(fs, sector, 1, fs->sec_cache);
        if (rc)
            return rc;
        fs->sec_cache_sector = sector;
        fs->sec_cache_valid = true;
    }
    *out = fs->sec_cache;
    return FAT_OK;
}

static bool cluster_valid(const struct fat_fs *fs, u32 c)
{
    return c >= 2 && c - 2 < fs->clusters;
}

static u32 cluster_sector(const struct fat_fs *fs, u32 c)
{
    return fs->data_start + ((c - 2) << fs->sec_per_clus_shift);
}

/* ---- FAT entries ---- */

/* The FAT entry of cluster c (FAT32: the low 28 bits). The FAT is cached in aligned windows of
 * FAT_CACHE_SECTORS sectors, so a sequential walk reads each window once. */
static int fat_entry(struct fat_fs *fs, u32 c, u32 *val)
{
    if (!cluster_valid(fs, c))
        return FAT_ECORRUPT;
    u32 off = fs->type == 32 ? c * 4 : c * 2; /* inside the FAT: checked at mount */
    u32 rel = off / FAT_SECTOR_SIZE;
    u32 win = rel - rel % FAT_CACHE_SECTORS;
    if (!fs->fat_cache_valid || fs->fat_cache_sector != win) {
        u32 n = MIN((u32)FAT_CACHE_SECTORS, fs->fat_sectors - win);
        fs->fat_cache_valid = false;
        int rc = dev_read(fs, fs->fat_start + win, n, fs->fat_cache);
        if (rc)
            return rc;
        fs->fat_cache_sector = win;
        fs->fat_cache_count = n;
        fs->fat_cache_valid = true;
    }
    const u8 *p = fs->fat_cache + (rel - win) * FAT_SECTOR_SIZE + off % FAT_SECTOR_SIZE;
    *val = fs->type == 32 ? le32(p) & 0x0fffffffu : le16(p);
    return FAT_OK;
}

/* The cluster after c in its chain, or CHAIN_END. A free, reserved, bad or out-of-range entry
 * inside a chain is corruption. */
static int fat_next(struct fat_fs *fs, u32 c, u32 *next)
{
    u32 v;
    int rc = fat_entry(fs, c, &v);
    if (rc)
        return rc;
    if (v >= (fs->type == 32 ? 0x0ffffff8u : 0xfff8u)) {
        *next = CHAIN_END;
        return FAT_OK;
    }
    /* The bad-cluster marks (0xfff7 / 0x0ffffff7) are above the largest valid cluster. */
    if (!cluster_valid(fs, v))
        return FAT_ECORRUPT;
    *next = v;
    return FAT_OK;
}

/* ---- cluster-chain cursor of an open file or directory ---- */

static u32 file_clusters(const struct fat_file *f)
{
    u32 shift = f->fs->cluster_shift;
    return (u32)(((u64)f->size + (1u << shift) - 1) >> shift);
}

/* A file's chain must end right after the cluster holding its last byte: checked whenever
 * the cursor reaches that cluster. Catches loops and chains longer than the file. */
static int check_last(struct fat_file *f)
{
    if (f->is_dir || f->cur_index + 1 != file_clusters(f))
        return FAT_OK;
    u32 next;
    int rc = fat_next(f->fs, f->cur_cluster, &next);
    if (rc == FAT_OK && next != CHAIN_END)
        rc = FAT_ECORRUPT;
    if (rc)
        f->cur_cluster = 0; /* do not leave a cursor that skips this check next time */
    return rc;
}

static int chain_rewind(struct fat_file *f)
{
    if (!cluster_valid(f->fs, f->first_cluster))
        return FAT_ECORRUPT;
    f->cur_cluster = f->first_cluster;
    f->cur_index = 0;
    return check_last(f);
}

/* Moves the cursor to the next cluster. Returns 1 when a directory's chain ends (the cursor
 * stays); a file's chain ending early, or a directory longer than the limit, is corruption. */
static int chain_step(struct fat_file *f)
{
    u32 next;
    int rc = fat_next(f->fs, f->cur_cluster, &next);
    if (rc)
        return rc;
    if (next == CHAIN_END)
        return f->is_dir ? 1 : FAT_ECORRUPT; /* file: size larger than its chain */
    u32 limit = f->is_dir ? f->fs->max_dir_clusters : file_clusters(f);
    if (f->cur_index + 1 >= limit)
        return FAT_ECORRUPT; /* directory chain too long (e.g. a loop) */
    f->cur_cluster = next;
    f->cur_index++;
    return check_last(f);
}

/* Positions the cursor on cluster `index` of the chain, walking forward from the cursor when
 * possible (sequential access never re-walks from the start). 1 = directory chain ended. */
static int chain_seek(struct fat_file *f, u32 index)
{
    if (f->cur_cluster == 0 || index < f->cur_index) {
        int rc = chain_rewind(f);
        if (rc)
            return rc;
    }
    while (f->cur_index < index) {
        int rc = chain_step(f);
        if (rc)
            return rc;
    }
    return FAT_OK;
}

/* ---- data reads ---- */

/* Copies n bytes starting `off` bytes into the contiguous sectors from `sector`: whole sectors
 * straight into out in one request, partial sectors at either end through the sector cache. */
static int read_span(struct fat_fs *fs, u32 sector, u32 off, u8 *out, u32 n)
{
    const u8 *s;
    int rc;
    sector += off / FAT_SECTOR_SIZE;
    off %= FAT_SECTOR_SIZE;
    if (off) {
        u32 k = MIN(FAT_SECTOR_SIZE - off, n);
        if ((rc = sec_get(fs, sector, &s)))
            return rc;
        memcpy(out, s + off, k);
        out += k;
        n -= k;
        sector++;
    }
    if (n >= FAT_SECTOR_SIZE) {
        u32 cnt = n / FAT_SECTOR_SIZE;
        if ((rc = dev_read(fs, sector, cnt, out)))
            return rc;
        out += (size_t)cnt * FAT_SECTOR_SIZE;
        n -= cnt * FAT_SECTOR_SIZE;
        sector += cnt;
    }
    if (n) {
        if ((rc = sec_get(fs, sector, &s)))
            return rc;
        memcpy(out, s, n);
    }
    return FAT_OK;
}

int fat_read_at(struct fat_file *f, u64 offset, void *buf, u32 len)
{
    if (!f || !f->fs || !f->fs->type || (!buf && len))
        return FAT_EINVAL;
    if (f->is_dir)
        return FAT_EISDIR;
    if (offset >= f->size || len == 0)
        return 0;
    len = (u32)MIN((u64)len, (u64)f->size - offset);
    len = MIN(len, MAX_READ);

    struct fat_fs *fs = f->fs;
    u32 csize = 1u << fs->cluster_shift;
    int rc = chain_seek(f, (u32)(offset >> fs->cluster_shift));
    if (rc)
        return rc < 0 ? rc : FAT_ECORRUPT;
    u32 in_off = (u32)(offset & (csize - 1));
    u8 *out = buf;
    u32 done = 0;
    while (done < len) {
        /* Extend the run over physically consecutive clusters as far as this read needs. */
        u32 first = f->cur_cluster;
        u64 avail = csize - in_off;
        while (avail < len - done) {
            u32 prev = f->cur_cluster;
            rc = chain_step(f);
            if (rc)
                return rc < 0 ? rc : FAT_ECORRUPT;
            if (f->cur_cluster != prev + 1)
                break; /* the cursor now sits on the first cluster of the next run */
            avail += csize;
        }
        u32 n = (u32)MIN(avail, (u64)(len - done));
        rc = read_span(fs, cluster_sector(fs, first), in_off, out + done, n);
        if (rc)
            return rc;
        done += n;
        in_off = 0;
    }
    return (int)done;
}

int fat_file_extent(struct fat_file *f, u64 offset, u64 *lba, u64 *bytes)
{
    if (!f || !f->fs || !f->fs->type || !lba || !bytes)
        return FAT_EINVAL;
    if (f->is_dir)
        return FAT_EISDIR;
    if (offset >= f->size)
        return FAT_EINVAL;
    struct fat_fs *fs = f->fs;
    u32 csize = 1u << fs->cluster_shift;
    int rc = chain_seek(f, (u32)(offset >> fs->cluster_shift));
    if (rc)
        return rc < 0 ? rc : FAT_ECORRUPT;
    u32 in_off = (u32)(offset & (csize - 1));
    *lba = fs->start_lba + cluster_sector(fs, f->cur_cluster) + in_off / FAT_SECTOR_SIZE;
    *bytes = MIN((u64)(csize - in_off), (u64)f->size - offset);
    return FAT_OK;
}

int fat_write_at(struct fat_file *f, u64 offset, const void *buf, u32 len)
{
    if (!f || !f->fs || !f->fs->type || (!buf && len))
        return FAT_EINVAL;
    struct fat_fs *fs = f->fs;
    if (!fs->dev.write || fs->read_only)
        return FAT_EINVAL;
    if (f->is_dir)
        return FAT_EISDIR;
    if (offset > f->size || len > f->size - offset)
        return FAT_ENOSPC; /* in place only: files do not grow */
    const u8 *in = buf;
    u32 done = 0;
    while (done < len) {
        u64 lba, run;
        int rc = fat_file_extent(f, offset + done, &lba, &run);
        if (rc)
            return rc;
        u32 off = (u32)((offset + done) % FAT_SECTOR_SIZE);
        u32 n = (u32)MIN(run, (u64)(len - done));
        u32 sector = (u32)(lba - fs->start_lba);
        /* A write covering part of a sector: read, modify, write that sector. */
        if (off || n < FAT_SECTOR_SIZE) {
            const u8 *s;
            n = MIN(n, FAT_SECTOR_SIZE - off);
            if ((rc = sec_get(fs, sector, &s)))
                return rc;
            memcpy(fs->sec_cache + off, in + done, n);
            if (fs->dev.write(fs->dev.ctx, lba, 1, fs->sec_cache) != 0) {
                fs->sec_cache_valid = false;
                return FAT_EIO;
            }
        } else {
            u32 cnt = n / FAT_SECTOR_SIZE;
            n = cnt * FAT_SECTOR_SIZE;
            if (fs->dev.write(fs->dev.ctx, lba, cnt, in + done) != 0)
                return FAT_EIO;
            if (fs->sec_cache_valid && fs->sec_cache_sector >= sector && fs->sec_cache_sector - sector < cnt)
                fs->sec_cache_valid = false; /* that sector changed under the cache */
        }
        done += n;
    }
    return (int)done;
}

int fat_read(struct fat_file *f, void *buf, u32 len)
{
    if (!f)
        return FAT_EINVAL;
    int rc = fat_read_at(f, f->pos, buf, len);
    if (rc > 0)
        f->pos += (u32)rc;
    return rc;
}

int fat_seek(struct fat_file *f, u64 pos)
{
    if (!f || !f->fs)
        return FAT_EINVAL;
    if (f->is_dir)
        return FAT_EISDIR;
    f->pos = pos;
    return FAT_OK;
}

u64 fat_file_size(const struct fat_file *f)
{
    return f ? f->size : 0;
}

bool fat_is_dir(const struct fat_file *f)
{
    return f && f->is_dir;
}

/* ---- names ---- */

/* Folds ASCII and Latin-1 letters to upper case (the only case-insensitivity implemented). */
static u32 fold(u32 c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7))
        return c - 0x20;
    return c;
}

/* Next code point of a UTF-16 name (unpaired surrogates become U+FFFD). */
static u32 utf16_next(const u16 *u, size_t n, size_t *i)
{
    u32 c = u[(*i)++];
    if (c >= 0xd800 && c < 0xdc00 && *i < n && u[*i] >= 0xdc00 && u[*i] < 0xe000)
        return 0x10000 + ((c - 0xd800) << 10) + (u32)(u[(*i)++] - 0xdc00);
    if (c >= 0xd800 && c < 0xe000)
        return 0xfffd;
    return c;
}

/* Next code point of a UTF-8 string, or BAD_CODEPOINT for a malformed sequence. */
static u32 utf8_next(const char *s, size_t len, size_t *i)
{
    u8 b = (u8)s[(*i)++];
    if (b < 0x80)
        return b;
    u32 n, c, min;
    if ((b & 0xe0) == 0xc0) {
        n = 1, c = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
        n = 2, c = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
        n = 3, c = b & 0x07, min = 0x10000;
    } else {
        return BAD_CODEPOINT;
    }
    for (; n; n--) {
        if (*i >= len || ((u8)s[*i] & 0xc0) != 0x80)
            return BAD_CODEPOINT;
        c = c << 6 | ((u8)s[(*i)++] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
        return BAD_CODEPOINT;
    return c;
}

static size_t put_utf8(char *out, u32 c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | c >> 12);
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | c >> 18);
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* The 8.3 name as stored, "NAME.EXT" without padding (0x05 restored to 0xe5); at most 12 bytes.
 * With lower_case, the NT lower-case flags of the entry (byte 12: 0x08 name, 0x10 extension,
 * as written by Windows NT and mtools) are applied. */
static size_t short_name(const u8 *e, u8 *out, bool lower_case)
{
    size_t n = 0;
    int end = 8, ext = 11;
    while (end > 0 && e[end - 1] == ' ')
        end--;
    while (ext > 8 && e[ext - 1] == ' ')
        ext--;
    for (int i = 0; i < ext; i++) {
        if (i == end && i < 8)
            i = 8; /* skip the base name's padding */
        if (i >= ext)
            break;
        if (i == 8)
            out[n++] = '.';
        u8 c = e[i];
        if (i == 0 && c == 0x05)
            c = 0xe5;
        if (lower_case && c >= 'A' && c <= 'Z' && (e[12] & (i < 8 ? 0x08 : 0x10)))
            c += 0x20;
        out[n++] = c;
    }
    return n;
}

/* Case-insensitive match of a path component (UTF-8) against a UTF-16 long name. */
static bool match_long(const char *c, size_t clen, const u16 *u, size_t n)
{
    size_t i = 0, j = 0;
    while (i < clen && j < n) {
        u32 a = utf8_next(c, clen, &i);
        if (a == BAD_CODEPOINT || fold(a) != fold(utf16_next(u, n, &j)))
            return false;
    }
    return i == clen && j == n;
}

/* Case-insensitive match against an 8.3 name; OEM bytes >= 0x80 (code page unknown) never
 * match. */
static bool match_short(const char *c, size_t clen, const u8 *e)
{
    u8 sn[12];
    size_t n = short_name(e, sn, false), i = 0, j = 0;
    while (i < clen && j < n) {
        u32 a = utf8_next(c, clen, &i);
        u8 b = sn[j++];
        if (b >= 0x80 || fold(a) != fold(b))
            return false;
    }
    return i == clen && j == n;
}

/* UTF-16 units needed for a UTF-8 component (4-byte sequences take a surrogate pair). */
static size_t utf16_units(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        u8 b = (u8)s[i];
        if ((b & 0xc0) != 0x80)
            n += b >= 0xf0 ? 2 : 1;
    }
    return n;
}

static u8 lfn_checksum(const u8 *name11)
{
    u8 sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (u8)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + name11[i]);
    return sum;
}

/* Byte offsets of the 13 UTF-16 units in a long-name entry (Name1, Name2, Name3). */
static const u8 lfn_unit_offset[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

static bool is_dot_entry(const u8 *e)
{
    return memcmp(e, ".          ", 11) == 0 || memcmp(e, "..         ", 11) == 0;
}

/* ---- directories ---- */

/* One directory entry found by a scan: a copy of the 8.3 entry and where it is stored. */
struct dir_item {
    u8 raw[DIRENT_SIZE];
    u32 sector;
    u16 offset;
    bool has_lfn; /* fs->lfn[0..fs->lfn_len) holds its (validated) long name */
};

/* Points *e at the raw entry at d->pos (inside the sector cache). 1 = entry, 0 = the
 * directory's storage ends there, < 0 error. */
static int dir_entry_at(struct fat_file *d, const u8 **e, u32 *sector)
{
    struct fat_fs *fs = d->fs;
    u32 s;
    if (d->fixed_root) {
        if (d->pos >= (u64)fs->root_entries * DIRENT_SIZE)
            return 0;
        s = fs->root_start + (u32)(d->pos / FAT_SECTOR_SIZE);
    } else {
        u64 index = d->pos >> fs->cluster_shift;
        if (index > fs->max_dir_clusters)
            return FAT_ECORRUPT;
        int rc = chain_seek(d, (u32)index);
        if (rc)
            return rc < 0 ? rc : 0;
        s = cluster_sector(fs, d->cur_cluster) +
            (u32)((d->pos & ((1u << fs->cluster_shift) - 1)) / FAT_SECTOR_SIZE);
    }
    const u8 *sec;
    int rc = sec_get(fs, s, &sec);
    if (rc)
        return rc;
    *e = sec + d->pos % FAT_SECTOR_SIZE;
    *sector = s;
    return 1;
}

/* Next in-use 8.3 entry (including "." and ".."; not volume labels), with its long name
 * assembled into fs->lfn when the long-name entries before it form a complete sequence
 * (ordinals n|0x40, n-1, ..., 1, one checksum) whose checksum matches the 8.3 name.
 * 1 = *it filled, 0 = end of directory, < 0 error. */
static int dir_next(struct fat_file *d, struct dir_item *it)
{
    struct fat_fs *fs = d->fs;
    bool seq = false; /* inside a long-name sequence */
    u8 expect = 0, sum = 0;
    if (d->dir_end)
        return 0;
    for (;;) {
        const u8 *e;
        u32 sector;
        int rc = dir_entry_at(d, &e, &sector);
        if (rc <= 0) {
            if (rc == 0)
                d->dir_end = true;
            return rc;
        }
        u16 offset = (u16)(d->pos % FAT_SECTOR_SIZE);
        d->pos += DIRENT_SIZE;
        if (e[0] == 0x00) { /* this and all following entries are free */
            d->dir_end = true;
            return 0;
        }
        if (e[0] == 0xe5) {
            seq = false;
            continue;
        }
        if ((e[11] & 0x3f) == FAT_ATTR_LONG_NAME) {
            u8 ord = e[0] & 0x3f;
            if (e[0] & 0x40) { /* last part of the name, stored first */
                if ((e[0] & 0x80) || ord == 0 || ord > 20) {
                    seq = false;
                    continue;
                }
                seq = true;
                sum = e[13];
                u16 k = 0;
                while (k < 13 && le16(e + lfn_unit_offset[k]) != 0)
                    k++;
                fs->lfn_len = (u16)((ord - 1) * 13 + k);
            } else if (!seq || e[0] != expect || e[13] != sum) {
                seq = false;
                continue;
            }
            for (int k = 0; k < 13; k++)
                fs->lfn[(ord - 1) * 13 + k] = le16(e + lfn_unit_offset[k]);
            expect = (u8)(ord - 1);
            continue;
        }
        bool has_lfn = seq && expect == 0 && lfn_checksum(e) == sum;
        seq = false;
        if (e[11] & FAT_ATTR_VOLUME_ID)
            continue;
        if (e[0] == ' ')
            continue; /* not a valid 8.3 name */
        if (has_lfn) {
            has_lfn = fs->lfn_len > 0 && fs->lfn_len <= FAT_LFN_MAX;
            for (u16 k = 0; has_lfn && k < fs->lfn_len; k++)
                has_lfn = fs->lfn[k] != 0;
        }
        memcpy(it->raw, e, DIRENT_SIZE);
        it->sector = sector;
        it->offset = offset;
        it->has_lfn = has_lfn;
        return 1;
    }
}

static void open_root(struct fat_fs *fs, struct fat_file *f)
{
    memset(f, 0, sizeof(*f));
    f->fs = fs;
    f->is_dir = true;
    f->attr = FAT_ATTR_DIRECTORY;
    if (fs->type == 16)
        f->fixed_root = true;
    else
        f->first_cluster = fs->root_cluster;
}

static u32 entry_cluster(const struct fat_fs *fs, const u8 *e)
{
    u32 c = le16(e + 26);
    if (fs->type == 32)
        c |= (u32)le16(e + 20) << 16;
    return c;
}

/* Opens the file or directory described by a scanned entry, validating its cluster and size. */
static int open_item(struct fat_fs *fs, const struct dir_item *it, struct fat_file *f)
{
    const u8 *e = it->raw;
    u32 c = entry_cluster(fs, e);
    if (e[11] & FAT_ATTR_DIRECTORY) {
        if (c == 0 && memcmp(e, "..         ", 11) == 0) {
            open_root(fs, f); /* ".." of a first-level directory */
            return FAT_OK;
        }
        if (!cluster_valid(fs, c))
            return FAT_ECORRUPT;
        memset(f, 0, sizeof(*f));
        f->is_dir = true;
    } else {
        memset(f, 0, sizeof(*f));
        f->size = le32(e + 28);
        if (f->size == 0) {
            c = 0;
        } else if (!cluster_valid(fs, c) ||
                   (((u64)f->size + (1u << fs->cluster_shift) - 1) >> fs->cluster_shift) > fs->clusters) {
            return FAT_ECORRUPT;
        }
    }
    f->fs = fs;
    f->first_cluster = c;
    f->attr = e[11];
    f->dirent_sector = it->sector;
    f->dirent_offset = it->offset;
    return FAT_OK;
}

static void fill_dirent(const struct fat_fs *fs, const struct dir_item *it, struct fat_dirent *ent)
{
    const u8 *e = it->raw;
    u8 sn[12];
    size_t n = short_name(e, sn, false);
    for (size_t i = 0; i < n; i++)
        ent->short_name[i] = (char)(sn[i] >= 0x80 || sn[i] < 0x20 ? '?' : sn[i]);
    ent->short_name[n] = '\0';
    if (it->has_lfn) {
        size_t o = 0, i = 0;
        while (i < fs->lfn_len)
            o += put_utf8(ent->name + o, utf16_next(fs->lfn, fs->lfn_len, &i));
        ent->name[o] = '\0';
    } else {
        n = short_name(e, sn, true);
        for (size_t i = 0; i < n; i++)
            ent->name[i] = (char)(sn[i] >= 0x80 || sn[i] < 0x20 ? '?' : sn[i]);
        ent->name[n] = '\0';
    }
    ent->attr = e[11];
    ent->is_dir = (e[11] & FAT_ATTR_DIRECTORY) != 0;
    ent->size = ent->is_dir ? 0 : le32(e + 28);
    ent->cluster = entry_cluster(fs, e);
}

void fat_rewinddir(struct fat_file *dir)
{
    if (dir && dir->is_dir) {
        dir->pos = 0;
        dir->dir_end = false;
    }
}

int fat_readdir(struct fat_file *dir, struct fat_dirent *ent)
{
    if (!dir || !dir->fs || !dir->fs->type || !ent)
        return FAT_EINVAL;
    if (!dir->is_dir)
        return FAT_ENOTDIR;
    for (;;) {
        struct dir_item it;
        int rc = dir_next(dir, &it);
        if (rc <= 0)
            return rc;
        if (is_dot_entry(it.raw))
            continue;
        fill_dirent(dir->fs, &it, ent);
        return 1;
    }
}

/* Finds component c (clen bytes) in directory d by long or 8.3 name. */
static int dir_lookup(struct fat_file *d, const char *c, size_t clen, struct dir_item *it)
{
    fat_rewinddir(d);
    for (;;) {
        int rc = dir_next(d, it);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return FAT_ENOENT;
        if (it->has_lfn && match_long(c, clen, d->fs->lfn, d->fs->lfn_len))
            return FAT_OK;
        if (match_short(c, clen, it->raw))
            return FAT_OK;
    }
}

/* Walks path from the root, one component at a time (iteration, no recursion). */
static int resolve(struct fat_fs *fs, const char *path, struct fat_file *f)
{
    if (!fs || !fs->type || !path || !f)
        return FAT_EINVAL;
    open_root(fs, f);
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            return p > path && p[-1] == '/' && !f->is_dir ? FAT_ENOTDIR : FAT_OK;
        const char *c = p;
        while (*p && *p != '/')
            p++;
        size_t clen = (size_t)(p - c);
        if (!f->is_dir)
            return FAT_ENOTDIR;
        if (clen == 1 && c[0] == '.')
            continue;
        if (utf16_units(c, clen) > FAT_LFN_MAX)
            return FAT_ENAMETOOLONG;
        struct dir_item it;
        int rc = dir_lookup(f, c, clen, &it);
        if (rc == FAT_OK)
            rc = open_item(fs, &it, f);
        if (rc)
            return rc;
    }
}

int fat_open(struct fat_fs *fs, const char *path, struct fat_file *f)
{
    return resolve(fs, path, f);
}

int fat_opendir(struct fat_fs *fs, const char *path, struct fat_file *dir)
{
    int rc = resolve(fs, path, dir);
    if (rc == FAT_OK && !dir->is_dir)
        rc = FAT_ENOTDIR;
    if (rc == FAT_OK)
        fat_rewinddir(dir);
    return rc;
}

/* ---- mount ---- */

static u32 log2_u32(u32 v)
{
    u32 n = 0;
    while (v > 1) {
        v >>= 1;
        n++;
    }
    return n;
}

/* Validates the BPB of the volume at start (at most avail sectors long) and fills fs. */
static int mount_range(struct fat_fs *fs, const struct fat_blockdev *dev, u64 start, u64 avail)
{
    memset(fs, 0, sizeof(*fs));
    u8 *b = fs->sec_cache;
    if (dev->read(dev->ctx, start, 1, b) != 0)
        return FAT_EIO;

    if (le16(b + 510) != 0xaa55 || (b[0] != 0xeb && b[0] != 0xe9))
        return FAT_ENOTFAT;
    u16 bps = le16(b + 11);
    if (bps != FAT_SECTOR_SIZE)
        return bps == 1024 || bps == 2048 || bps == 4096 ? FAT_EINVAL : FAT_ENOTFAT;
    u8 spc = b[13];
    u16 reserved = le16(b + 14);
    u8 nfats = b[16];
    u16 root_entries = le16(b + 17);
    u16 fatsz16 = le16(b + 22);
    u32 total = le16(b + 19) ? le16(b + 19) : le32(b + 32);
    u32 fatsz = fatsz16 ? fatsz16 : le32(b + 36);
    u8 media = b[21];
    if (spc == 0 || (spc & (spc - 1)) || reserved == 0 || nfats == 0 || total == 0 || fatsz == 0 ||
        (media != 0xf0 && media < 0xf8))
        return FAT_ENOTFAT;

    u32 root_sectors = (root_entries * DIRENT_SIZE + FAT_SECTOR_SIZE - 1) / FAT_SECTOR_SIZE;
    u64 meta = reserved + (u64)nfats * fatsz + root_sectors;
    if (meta >= total)
        return FAT_ECORRUPT;
    if (total > avail)
        return FAT_ECORRUPT; /* volume larger than the device (or partition) */
    u32 spc_shift = log2_u32(spc);
    u32 clusters = (u32)((total - meta) >> spc_shift);
    if (clusters < 4085)
        return FAT_ENOTFAT; /* FAT12 (by cluster count): not supported */
    u8 type = clusters < 65525 ? 16 : 32;
    u32 active = 0, root_cluster = 0;
    if (type == 16) {
        if (fatsz16 == 0 || root_entries == 0)
            return FAT_ECORRUPT;
    } else {
        if (fatsz16 != 0 || root_entries != 0)
            return FAT_ECORRUPT;
        if (le16(b + 42) != 0)
            return FAT_EINVAL; /* FAT32 version other than 0.0 */
        u16 ext = le16(b + 40);
        if (ext & 0x80) { /* mirroring off: only the active FAT is current */
            active = ext & 0x0f;
            if (active >= nfats)
                return FAT_ECORRUPT;
        }
        if (clusters > 0x0ffffff5u)
            return FAT_ECORRUPT;
        root_cluster = le32(b + 44);
        if (root_cluster < 2 || root_cluster - 2 >= clusters)
            return FAT_ECORRUPT;
    }
    if ((u64)fatsz * FAT_SECTOR_SIZE < ((u64)clusters + 2) * (type == 32 ? 4 : 2))
        return FAT_ECORRUPT; /* the FAT cannot describe every cluster */

    fs->dev = *dev;
    fs->start_lba = start;
    fs->total_sectors = total;
    fs->num_fats = nfats;
    fs->sec_per_clus_shift = (u8)spc_shift;
    fs->cluster_shift = (u8)(spc_shift + 9);
    fs->fat_start = reserved + active * fatsz;
    fs->fat_sectors = fatsz;
    fs->root_start = (u32)(reserved + (u64)nfats * fatsz);
    fs->root_entries = type == 16 ? root_entries : 0;
    fs->root_cluster = root_cluster;
    fs->data_start = (u32)meta;
    fs->clusters = clusters;
    fs->max_dir_clusters = MAX_DIR_BYTES >> fs->cluster_shift;
    fs->read_only = !dev->write; /* writes go in place only (fat_write_at) */
    fs->type = type;
    return FAT_OK;
}

int fat_mount(struct fat_fs *fs, const struct fat_blockdev *dev, u64 start_lba)
{
    if (!fs)
        return FAT_EINVAL;
    fs->type = 0; /* unmounted until the checks pass */
    if (!dev || !dev->read || start_lba >= dev->sectors)
        return FAT_EINVAL;
    return mount_range(fs, dev, start_lba, dev->sectors - start_lba);
}

static bool fat_partition_type(u8 t)
{
    return t == 0x04 || t == 0x06 || t == 0x0b || t == 0x0c || t == 0x0e || t == 0xef;
}

int fat_mount_disk(struct fat_fs *fs, const struct fat_blockdev *dev)
{
    int bare = fat_mount(fs, dev, 0);
    if (bare == FAT_OK || bare == FAT_EIO || !fs || !dev || !dev->read || dev->sectors == 0)
        return bare; /* mounted, unreadable, or bad arguments */
    /* Not a bare volume: try the MBR partition table (four 16-byte entries at 446). */
    u8 table[64];
    if (dev->read(dev->ctx, 0, 1, fs->sec_cache) != 0)
        return FAT_EIO;
    if (le16(fs->sec_cache + 510) != 0xaa55)
        return bare;
    memcpy(table, fs->sec_cache + 446, sizeof(table));
    for (int i = 0; i < 4; i++)
        if (table[i * 16] & 0x7f) /* boot indicator must be 0x00 or 0x80 */
            return bare;
    int err = bare;
    bool found = false;
    for (int i = 0; i < 4; i++) {
        const u8 *p = table + i * 16;
        if (!fat_partition_type(p[4]))
            continue;
        u32 first = le32(p + 8), count = le32(p + 12);
        int rc;
        if (first == 0 || count == 0 || first >= dev->sectors || count > dev->sectors - first)
            rc = FAT_ECORRUPT; /* partition outside the disk */
        else
            rc = mount_range(fs, dev, first, count);
        if (rc == FAT_OK)
            return FAT_OK;
        if (!found)
            err = rc;
        found = true;
    }
    fs->type = 0;
    return err;
}

int fat_type(const struct fat_fs *fs)
{
    return fs ? fs->type : 0;
}

u32 fat_cluster_size(const struct fat_fs *fs)
{
    return fs && fs->type ? 1u << fs->cluster_shift : 0;
}
