/* FAT16/FAT32 reader tests. Fixtures are generated at build time into FAT_FIXTURE_DIR
 * (overridable with the environment variable of the same name) by tests/unit/lib/fat/mkimages.sh:
 * fat16.img, fat32.img (the same tree, built with mkfs.fat and mtools) and mbr.img (an MBR disk
 * whose second partition is a FAT16 volume). Images are mapped copy-on-write, so a test may
 * patch its mapping (corrupting the BPB, the FAT or directory entries) without affecting the
 * file or other tests (remounting afterwards, since the volume caches sectors). The memory block
 * device counts and checks every request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lib/fat.h>
#include <lib/string.h>
#include <lib/types.h>

#ifndef FAT_FIXTURE_DIR
#define FAT_FIXTURE_DIR "build/host/fat"
#endif

#define LARGE_SIZE (3u * 1024 * 1024 + 777) /* /large.bin, pattern seed 1 */
#define FRAG_SIZE (100u * 1024 + 5)         /* /frag/fragmented.bin, pattern seed 2 */
#define MANY_COUNT 120                      /* files in /many */

/* ---- the test pattern (same as tests/unit/lib/fat/fatimg.py) ---- */

static u32 mix32(u32 x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static u8 pattern_byte(u64 i, u32 seed)
{
    return (u8)(mix32((u32)(i / 4) ^ seed) >> (8 * (i % 4)));
}

static void assert_pattern(const u8 *buf, u64 offset, u32 len, u32 seed)
{
    for (u32 i = 0; i < len; i++)
        if (buf[i] != pattern_byte(offset + i, seed))
            fail_msg("byte %llu: got %#x, want %#x", (unsigned long long)(offset + i), buf[i],
                     pattern_byte(offset + i, seed));
}

/* ---- memory block device ---- */

struct memdev {
    u8 *data;
    size_t size;
    u64 fail_from;      /* requests touching sectors >= fail_from fail (a truncated medium) */
    int fail_code;      /* what the read callback returns then */
    unsigned calls;     /* read requests */
    unsigned fat_calls; /* requests touching [fat_lo, fat_hi) */
    u64 fat_lo, fat_hi;
    u32 max_count; /* largest request seen */
    u64 sectors;   /* reported device size */
};

static int mem_read(void *ctx, u64 lba, u32 count, void *buf)
{
    struct memdev *m = ctx;
    if (count == 0)
        fail_msg("zero-sector read");
    if (lba >= m->sectors || count > m->sectors - lba)
        fail_msg("read past the device end: lba %llu count %u", (unsigned long long)lba, count);
    m->calls++;
    m->max_count = MAX(m->max_count, count);
    if (ranges_overlap(lba, count, m->fat_lo, m->fat_hi - m->fat_lo))
        m->fat_calls++;
    if (lba + count > m->fail_from)
        return m->fail_code;
    memcpy(buf, m->data + lba * FAT_SECTOR_SIZE, (size_t)count * FAT_SECTOR_SIZE);
    return 0;
}

static void memdev_reset_counts(struct memdev *m)
{
    m->calls = m->fat_calls = 0;
    m->max_count = 0;
}

static struct fat_blockdev blockdev_of(struct memdev *m)
{
    struct fat_blockdev d = {.read = mem_read, .write = NULL, .sectors = m->sectors, .ctx = m};
    return d;
}

/* Maps a fixture copy-on-write. */
static void memdev_map(struct memdev *m, const char *name)
{
    const char *dir = getenv("FAT_FIXTURE_DIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : FAT_FIXTURE_DIR, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail_msg("cannot open fixture %s (run via make)", path);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    memset(m, 0, sizeof(*m));
    m->size = (size_t)st.st_size;
    m->data = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    assert_true(m->data != MAP_FAILED);
    close(fd);
    m->sectors = m->size / FAT_SECTOR_SIZE;
    m->fail_from = UINT64_MAX;
    m->fail_code = -5;
}

static void memdev_alloc(struct memdev *m, size_t size)
{
    memset(m, 0, sizeof(*m));
    m->size = size;
    m->data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m->data != MAP_FAILED);
    m->sectors = size / FAT_SECTOR_SIZE;
    m->fail_from = UINT64_MAX;
    m->fail_code = -5;
}

static void memdev_unmap(struct memdev *m)
{
    munmap(m->data, m->size);
    m->data = NULL;
}

/* ---- independent reading of the raw image (for patching and for checking chains) ---- */

static u16 rd16(const u8 *p)
{
    return (u16)(p[0] | p[1] << 8);
}

static u32 rd32(const u8 *p)
{
    return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void wr16(u8 *p, u16 v)
{
    p[0] = (u8)v;
    p[1] = (u8)(v >> 8);
}

static void wr32(u8 *p, u32 v)
{
    wr16(p, (u16)v);
    wr16(p + 2, (u16)(v >> 16));
}

struct geo {
    u8 *vol; /* the volume's first byte */
    u32 spc, reserved, nfats, fatsz, type, data_start;
};

static struct geo geo_of(u8 *vol)
{
    struct geo g = {.vol = vol};
    g.spc = vol[13];
    g.reserved = rd16(vol + 14);
    g.nfats = vol[16];
    u32 root_sectors = (rd16(vol + 17) * 32u + 511) / 512;
    g.fatsz = rd16(vol + 22) ? rd16(vol + 22) : rd32(vol + 36);
    u32 total = rd16(vol + 19) ? rd16(vol + 19) : rd32(vol + 32);
    g.data_start = g.reserved + g.nfats * g.fatsz + root_sectors;
    g.type = (total - g.data_start) / g.spc < 65525 ? 16 : 32;
    return g;
}

static u32 raw_fat_get(const struct geo *g, u32 c)
{
    const u8 *fat = g->vol + g->reserved * 512u;
    return g->type == 32 ? rd32(fat + c * 4) & 0x0fffffff : rd16(fat + c * 2);
}

static void raw_fat_set(const struct geo *g, u32 c, u32 v) /* in every FAT copy */
{
    for (u32 i = 0; i < g->nfats; i++) {
        u8 *fat = g->vol + (g->reserved + i * g->fatsz) * 512u;
        if (g->type == 32)
            wr32(fat + c * 4, v);
        else
            wr16(fat + c * 2, (u16)v);
    }
}

static bool raw_eoc(const struct geo *g, u32 v)
{
    return v >= (g->type == 32 ? 0x0ffffff8u : 0xfff8u);
}

static u8 *raw_cluster(const struct geo *g, u32 c)
{
    return g->vol + (g->data_start + (c - 2) * g->spc) * 512u;
}

/* Cluster chain from c into out (at most max); returns its length. */
static u32 raw_chain(const struct geo *g, u32 c, u32 *out, u32 max)
{
    u32 n = 0;
    while (n < max && c >= 2 && !raw_eoc(g, c)) {
        out[n++] = c;
        c = raw_fat_get(g, c);
    }
    assert_true(raw_eoc(g, c));
    return n;
}

/* ---- per-test fixture: a mapped image and the volume mounted on it ---- */

struct ctx {
    struct memdev m;
    struct fat_blockdev dev;
    struct fat_fs fs;
    struct geo g;
};

static struct ctx the_ctx;

static int setup_image(void **state)
{
    struct ctx *c = &the_ctx;
    memdev_map(&c->m, *state);
    c->dev = blockdev_of(&c->m);
    c->g = geo_of(c->m.data);
    c->m.fat_lo = c->g.reserved;
    c->m.fat_hi = c->g.reserved + c->g.nfats * c->g.fatsz;
    assert_int_equal(fat_mount(&c->fs, &c->dev, 0), FAT_OK);
    *state = c;
    return 0;
}

static int teardown_image(void **state)
{
    struct ctx *c = *state;
    memdev_unmap(&c->m);
    return 0;
}

static void remount(struct ctx *c)
{
    assert_int_equal(fat_mount(&c->fs, &c->dev, 0), FAT_OK);
}

/* The raw 32-byte entry of an open file (found through the location the library records). */
static u8 *dirent_of(struct ctx *c, const char *path)
{
    struct fat_file f;
    assert_int_equal(fat_open(&c->fs, path, &f), FAT_OK);
    return c->m.data + (size_t)f.dirent_sector * 512 + f.dirent_offset;
}

static u32 first_cluster_of(struct ctx *c, const char *path)
{
    struct fat_file f;
    assert_int_equal(fat_open(&c->fs, path, &f), FAT_OK);
    return f.is_dir && f.fixed_root ? 0 : f.first_cluster;
}

/* Reads a whole file with fat_read in chunks of `chunk` bytes (0: one call). */
static u8 *read_all(struct fat_fs *fs, const char *path, u32 chunk, u32 *len)
{
    struct fat_file f;
    int rc = fat_open(fs, path, &f);
    if (rc)
        fail_msg("open %s: %s", path, fat_strerror(rc));
    u32 size = (u32)fat_file_size(&f);
    u8 *buf = malloc(size + 1);
    assert_non_null(buf);
    u32 got = 0;
    for (;;) {
        u32 want = chunk ? chunk : size + 1;
        rc = fat_read(&f, buf + got, MIN(want, size + 1 - got));
        if (rc < 0)
            fail_msg("read %s: %s", path, fat_strerror(rc));
        if (rc == 0)
            break;
        got += (u32)rc;
    }
    assert_int_equal(got, size);
    buf[size] = 0;
    *len = size;
    return buf;
}

static void assert_file_text(struct fat_fs *fs, const char *path, const char *text)
{
    u32 len;
    u8 *buf = read_all(fs, path, 0, &len);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(buf, text, len);
    free(buf);
}

static int open_err(struct fat_fs *fs, const char *path)
{
    struct fat_file f;
    return fat_open(fs, path, &f);
}

/* Reads a whole file and returns the error (or 0 when it reads cleanly). */
static int read_err(struct fat_fs *fs, const char *path)
{
    struct fat_file f;
    int rc = fat_open(fs, path, &f);
    if (rc)
        return rc;
    static u8 buf[64 * 1024];
    while ((rc = fat_read(&f, buf, sizeof(buf))) > 0)
        ;
    return rc;
}

/* ---- mounting and listing ---- */

static void mounts_with_expected_geometry(void **state)
{
    struct ctx *c = *state;
    assert_int_equal(fat_type(&c->fs), c->g.type);
    assert_int_equal(fat_cluster_size(&c->fs), c->g.type == 16 ? 2048 : 512);
    assert_true(c->fs.read_only);
    /* mount_disk takes a bare volume as it is. */
    assert_int_equal(fat_mount_disk(&c->fs, &c->dev), FAT_OK);
    assert_int_equal(c->fs.start_lba, 0);
}

struct expect {
    const char *name;
    u32 size;
    bool is_dir;
    bool seen;
};

static void lists_root(void **state)
{
    struct ctx *c = *state;
    u32 csize = fat_cluster_size(&c->fs);
    struct expect want[] = {
        {"large.bin", LARGE_SIZE, false, false}, /* 8.3 with NT lower-case flags */
        {"A rather long file name.toml", 22, false, false},
        {"Mixed Case Name.TXT", 6, false, false},
        {"Gr\xc3\xbc\xc3\x9f"
         "e caf\xc3\xa9.txt",
         10, false, false},
        {"readme.txt", 6, false, false},
        {"UPPER.TXT", 6, false, false},
        {"empty.txt", 0, false, false},
        {"onecluster.bin", csize, false, false},
        {"guest", 0, true, false},
        {"many", 0, true, false},
        {"frag", 0, true, false},
        {"longnames", 0, true, false},
    };
    struct fat_file d;
    struct fat_dirent e;
    assert_int_equal(fat_opendir(&c->fs, "/", &d), FAT_OK);
    int n = 0, rc;
    while ((rc = fat_readdir(&d, &e)) == 1) {
        n++;
        size_t i = 0;
        while (i < ARRAY_SIZE(want) && strcmp(want[i].name, e.name) != 0)
            i++;
        if (i == ARRAY_SIZE(want))
            fail_msg("unexpected entry '%s'", e.name);
        assert_false(want[i].seen);
        want[i].seen = true;
        assert_int_equal(e.size, want[i].size);
        assert_int_equal(e.is_dir, want[i].is_dir);
        assert_int_equal(!!(e.attr & FAT_ATTR_DIRECTORY), want[i].is_dir);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, ARRAY_SIZE(want));
    assert_int_equal(fat_readdir(&d, &e), 0); /* stays at the end */
    /* Rewinding lists again; the 8.3 alias is reported too. */
    fat_rewinddir(&d);
    bool alias = false;
    while (fat_readdir(&d, &e) == 1)
        alias |=
            strcmp(e.name, "A rather long file name.toml") == 0 && strcmp(e.short_name, "ARATHE~1.TOM") == 0;
    assert_true(alias);
}

static void lists_subdirectories_without_dot_entries(void **state)
{
    struct ctx *c = *state;
    struct fat_file d;
    struct fat_dirent e;
    assert_int_equal(fat_opendir(&c->fs, "/guest/vm_default", &d), FAT_OK);
    int n = 0;
    bool toml = false, a = false;
    while (fat_readdir(&d, &e) == 1) {
        n++;
        toml |= strcmp(e.name, "linux.toml") == 0 && !e.is_dir;
        a |= strcmp(e.name, "a") == 0 && e.is_dir;
    }
    assert_int_equal(n, 2);
    assert_true(toml && a);
    assert_int_equal(fat_opendir(&c->fs, "/guest/vm_default/a/b/", &d), FAT_OK);
    assert_int_equal(fat_readdir(&d, &e), 1);
    assert_string_equal(e.name, "c");
    assert_int_equal(fat_readdir(&d, &e), 0);
}

static void lists_a_multi_cluster_directory(void **state)
{
    struct ctx *c = *state;
    /* 120 entries with long names take several clusters, not all adjacent. */
    u32 chain[64];
    u32 n = raw_chain(&c->g, first_cluster_of(c, "/many"), chain, ARRAY_SIZE(chain));
    assert_true(n >= 3);
    struct fat_file d;
    struct fat_dirent e;
    assert_int_equal(fat_opendir(&c->fs, "/many", &d), FAT_OK);
    int i = 0, rc;
    while ((rc = fat_readdir(&d, &e)) == 1) {
        char want[64];
        snprintf(want, sizeof(want), "entry number %03d.txt", i);
        assert_string_equal(e.name, want);
        assert_int_equal(e.size, 4);
        i++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(i, MANY_COUNT);
    assert_file_text(&c->fs, "/many/entry number 000.txt", "000\n");
    assert_file_text(&c->fs, "/many/ENTRY NUMBER 119.TXT", "119\n");
    assert_file_text(&c->fs, "/many/entry number 064.txt", "064\n");
}

/* ---- names and paths ---- */

static void opens_long_names_case_insensitively(void **state)
{
    struct ctx *c = *state;
    const char *toml = "title = \"a long name\"\n";
    assert_file_text(&c->fs, "/A rather long file name.toml", toml);
    assert_file_text(&c->fs, "/a RATHER long FILE name.TOML", toml);
    assert_file_text(&c->fs, "A rather long file name.toml", toml); /* leading '/' optional */
    assert_file_text(&c->fs, "/ARATHE~1.TOM", toml);                /* the 8.3 alias */
    assert_file_text(&c->fs, "/arathe~1.tom", toml);
    assert_file_text(&c->fs, "/mixed case name.txt", "mixed\n");
    assert_file_text(&c->fs, "/README.TXT", "lower\n");
    assert_file_text(&c->fs, "/upper.txt", "upper\n");
    /* Non-ASCII: exact UTF-8, and Latin-1 letters folded (u-umlaut, e-acute). */
    assert_file_text(&c->fs,
                     "/Gr\xc3\xbc\xc3\x9f"
                     "e caf\xc3\xa9.txt",
                     "non-ascii\n");
    assert_file_text(&c->fs,
                     "/GR\xc3\x9c\xc3\x9f"
                     "E CAF\xc3\x89.TXT",
                     "non-ascii\n");
    /* Near misses. */
    assert_int_equal(open_err(&c->fs, "/A rather long file name.tom"), FAT_ENOENT);
    assert_int_equal(open_err(&c->fs, "/A rather long file name.toml "), FAT_ENOENT);
    assert_int_equal(open_err(&c->fs, "/Gru\xcc\x88"
                                      "sse"),
                     FAT_ENOENT);
    assert_int_equal(open_err(&c->fs, "/\xff\xfe"), FAT_ENOENT); /* invalid UTF-8 */
}

static void resolves_deep_paths(void **state)
{
    struct ctx *c = *state;
    const char *toml = "[vm]\nname = \"default\"\nkernel = \"/guest/vm_default/Image\"\n";
    assert_file_text(&c->fs, "/guest/vm_default/linux.toml", toml);
    assert_file_text(&c->fs, "//GUEST///VM_DEFAULT/./Linux.Toml", toml);
    assert_file_text(&c->fs, "/guest/vm_default/a/b/c/deep.txt", "deep\n");
    assert_file_text(&c->fs, "/guest/vm_default/a/b/c/../../b/c/deep.txt", "deep\n");
    assert_file_text(&c->fs, "/guest/vm_default/a/../linux.toml", toml);
    assert_file_text(&c->fs, "/guest/../guest/vm_default/linux.toml", toml); /* ".." to the root */
    struct fat_file f;
    assert_int_equal(fat_open(&c->fs, "/", &f), FAT_OK);
    assert_true(fat_is_dir(&f));
    assert_int_equal(fat_open(&c->fs, "", &f), FAT_OK);
    assert_true(fat_is_dir(&f));
    assert_int_equal(fat_open(&c->fs, "/guest/vm_default/a/b/c/", &f), FAT_OK);
    assert_true(fat_is_dir(&f));
}

static void reports_path_errors(void **state)
{
    struct ctx *c = *state;
    struct fat_file f, d;
    struct fat_dirent e;
    u8 buf[16];
    assert_int_equal(open_err(&c->fs, "/nope"), FAT_ENOENT);
    assert_int_equal(open_err(&c->fs, "/guest/nope/linux.toml"), FAT_ENOENT);
    assert_int_equal(open_err(&c->fs, "/guest/vm_default/linux.toml2"), FAT_ENOENT);
    assert_int_equal(open_err(&c->fs, "/.."), FAT_ENOENT); /* the root has no parent */
    assert_int_equal(open_err(&c->fs, "/UPPER.TXT/x"), FAT_ENOTDIR);
    assert_int_equal(open_err(&c->fs, "/UPPER.TXT/"), FAT_ENOTDIR);
    assert_int_equal(open_err(&c->fs, "/guest/vm_default/linux.toml/a/b"), FAT_ENOTDIR);
    assert_int_equal(fat_opendir(&c->fs, "/UPPER.TXT", &d), FAT_ENOTDIR);
    assert_int_equal(fat_opendir(&c->fs, "/nope", &d), FAT_ENOENT);
    /* A directory is opened, but not read as a file; a file is not listed. */
    assert_int_equal(fat_open(&c->fs, "/guest", &f), FAT_OK);
    assert_true(fat_is_dir(&f));
    assert_int_equal(fat_read(&f, buf, sizeof(buf)), FAT_EISDIR);
    assert_int_equal(fat_read_at(&f, 0, buf, sizeof(buf)), FAT_EISDIR);
    assert_int_equal(fat_seek(&f, 0), FAT_EISDIR);
    assert_int_equal(fat_open(&c->fs, "/UPPER.TXT", &f), FAT_OK);
    assert_int_equal(fat_readdir(&f, &e), FAT_ENOTDIR);
    /* Component length: 255 UTF-16 units at most. */
    char name[300];
    memset(name, 'n', sizeof(name));
    name[0] = '/';
    name[257] = '\0'; /* 256 characters */
    assert_int_equal(open_err(&c->fs, name), FAT_ENAMETOOLONG);
    name[256] = '\0';
    assert_int_equal(open_err(&c->fs, name), FAT_ENOENT);
}

static void handles_the_longest_name(void **state)
{
    struct ctx *c = *state;
    char name[300];
    memset(name, 'n', 251);
    strcpy(name + 251, ".txt");
    struct fat_file d;
    struct fat_dirent e;
    assert_int_equal(fat_opendir(&c->fs, "/longnames", &d), FAT_OK);
    assert_int_equal(fat_readdir(&d, &e), 1);
    assert_int_equal(strlen(e.name), 255);
    assert_string_equal(e.name, name);
    assert_int_equal(fat_readdir(&d, &e), 0);
    char path[320];
    snprintf(path, sizeof(path), "/longnames/%s", name);
    assert_file_text(&c->fs, path, "longest\n");
    /* Upper case works too, and a 256th character makes it too long. */
    for (char *p = path; *p; p++)
        *p = (char)(*p == 'n' ? 'N' : *p);
    assert_file_text(&c->fs, path, "longest\n");
    snprintf(path, sizeof(path), "/longnames/n%s", name);
    assert_int_equal(open_err(&c->fs, path), FAT_ENAMETOOLONG);
}

/* ---- reading ---- */

static void reads_empty_and_single_cluster_files(void **state)
{
    struct ctx *c = *state;
    struct fat_file f;
    u8 buf[4096];
    assert_int_equal(fat_open(&c->fs, "/empty.txt", &f), FAT_OK);
    assert_int_equal(fat_file_size(&f), 0);
    assert_false(fat_is_dir(&f));
    assert_int_equal(fat_read(&f, buf, sizeof(buf)), 0);
    assert_int_equal(fat_read_at(&f, 100, buf, sizeof(buf)), 0);

    u32 csize = fat_cluster_size(&c->fs);
    assert_int_equal(fat_open(&c->fs, "/onecluster.bin", &f), FAT_OK);
    assert_int_equal(fat_file_size(&f), csize);
    assert_int_equal(fat_read(&f, buf, sizeof(buf)), csize);
    assert_pattern(buf, 0, csize, 3);
    assert_int_equal(fat_read(&f, buf, sizeof(buf)), 0); /* EOF */
    assert_int_equal(fat_read_at(&f, csize - 1, buf, 10), 1);
    assert_int_equal(buf[0], pattern_byte(csize - 1, 3));
    assert_int_equal(fat_read(&f, buf, 0), 0);
    /* seek and read */
    assert_int_equal(fat_seek(&f, 5), FAT_OK);
    assert_int_equal(fat_read(&f, buf, 3), 3);
    assert_pattern(buf, 5, 3, 3);
    assert_int_equal(fat_read(&f, buf, 3), 3);
    assert_pattern(buf, 8, 3, 3);
    assert_int_equal(fat_seek(&f, csize + 100), FAT_OK);
    assert_int_equal(fat_read(&f, buf, 3), 0);
}

/* The 3 MiB file is contiguous: one read of it must be a handful of large requests. */
static void reads_a_large_file_in_few_requests(void **state)
{
    struct ctx *c = *state;
    u32 chain[8192];
    u32 n = raw_chain(&c->g, first_cluster_of(c, "/large.bin"), chain, ARRAY_SIZE(chain));
    for (u32 i = 1; i < n; i++)
        assert_int_equal(chain[i], chain[i - 1] + 1);

    remount(c);
    memdev_reset_counts(&c->m);
    u32 len;
    u8 *buf = read_all(&c->fs, "/large.bin", 0, &len);
    assert_int_equal(len, LARGE_SIZE);
    assert_pattern(buf, 0, len, 1);
    free(buf);
    /* BPB + directory sectors + FAT windows + one request for the data + the partial tail. */
    assert_true(c->m.calls < 64);
    assert_true(c->m.calls - c->m.fat_calls <= 4);
    assert_true(c->m.max_count >= LARGE_SIZE / 512);

    /* With a device limit of 256 KiB per request, requests are split but stay large. */
    c->dev.max_sectors = 512;
    remount(c);
    memdev_reset_counts(&c->m);
    buf = read_all(&c->fs, "/large.bin", 0, &len);
    assert_pattern(buf, 0, len, 1);
    free(buf);
    assert_int_equal(c->m.max_count, 512);
    assert_true(c->m.calls < 64);
    assert_true(c->m.calls - c->m.fat_calls <= LARGE_SIZE / (256 * 1024) + 4);
}

/* Sequential reads continue from the cursor: the FAT is not re-walked from the start. */
static void reads_sequentially_without_rewalking(void **state)
{
    struct ctx *c = *state;
    u32 fat_windows =
        (u32)(((u64)(LARGE_SIZE / fat_cluster_size(&c->fs) + 3) * (c->g.type / 8) + 4095) / 4096);
    static const u32 chunks[] = {4096, 1000, 512, 65536 + 17};
    for (size_t k = 0; k < ARRAY_SIZE(chunks); k++) {
        remount(c);
        memdev_reset_counts(&c->m);
        u32 len;
        u8 *buf = read_all(&c->fs, "/large.bin", chunks[k], &len);
        assert_pattern(buf, 0, len, 1);
        free(buf);
        /* Each window of FAT_CACHE_SECTORS is read once (+1 for the check of the chain end). */
        if (c->m.fat_calls > fat_windows + 2)
            fail_msg("chunk %u: %u FAT reads for %u windows", chunks[k], c->m.fat_calls, fat_windows);
    }
}

static void reads_at_odd_offsets(void **state)
{
    struct ctx *c = *state;
    struct fat_file f;
    assert_int_equal(fat_open(&c->fs, "/large.bin", &f), FAT_OK);
    static u8 buf[200000];
    u32 x = 12345;
    for (int i = 0; i < 300; i++) {
        x = x * 1103515245u + 12345u;
        u64 off = (x >> 3) % (LARGE_SIZE + 100);
        x = x * 1103515245u + 12345u;
        u32 len = (x >> 5) % (i % 10 == 0 ? sizeof(buf) : 5000);
        int rc = fat_read_at(&f, off, buf, len);
        u32 want = off >= LARGE_SIZE ? 0 : (u32)MIN((u64)len, LARGE_SIZE - off);
        assert_int_equal(rc, want);
        assert_pattern(buf, off, want, 1);
    }
    /* Specific boundaries: sector, cluster, end of file. */
    u32 cs = fat_cluster_size(&c->fs);
    const u64 offs[] = {
        0, 1, 511, 512, 513, cs - 1, cs, cs + 1, 3 * cs - 7, LARGE_SIZE - 1, LARGE_SIZE - 600};
    for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
        int rc = fat_read_at(&f, offs[i], buf, 1500);
        assert_int_equal(rc, MIN(1500, LARGE_SIZE - offs[i]));
        assert_pattern(buf, offs[i], (u32)rc, 1);
    }
    assert_int_equal(fat_read_at(&f, LARGE_SIZE, buf, 10), 0);
    assert_int_equal(fat_read_at(&f, ~0ull, buf, 10), 0);
    assert_int_equal(f.pos, 0); /* read_at leaves the position alone */
}

static void reads_a_fragmented_file(void **state)
{
    struct ctx *c = *state;
    u32 chain[1024];
    u32 n = raw_chain(&c->g, first_cluster_of(c, "/frag/fragmented.bin"), chain, ARRAY_SIZE(chain));
    u32 runs = 1;
    for (u32 i = 1; i < n; i++)
        runs += chain[i] != chain[i - 1] + 1;
    if (runs < 4)
        fail_msg("fixture not fragmented: %u runs", runs);
    assert_int_equal(n, (FRAG_SIZE + fat_cluster_size(&c->fs) - 1) / fat_cluster_size(&c->fs));

    remount(c);
    (void)first_cluster_of(c, "/frag/fragmented.bin"); /* directory sectors now cached */
    memdev_reset_counts(&c->m);
    u32 len;
    u8 *buf = read_all(&c->fs, "/frag/fragmented.bin", 0, &len);
    assert_int_equal(len, FRAG_SIZE);
    assert_pattern(buf, 0, len, 2);
    free(buf);
    /* One request per run, plus the partial last sector; lookup re-reads a few dir sectors. */
    u32 data_calls = c->m.calls - c->m.fat_calls;
    if (data_calls < runs || data_calls > runs + 8)
        fail_msg("%u data requests for %u runs", data_calls, runs);

    /* Random access across the fragments. */
    struct fat_file f;
    static u8 b2[8192];
    assert_int_equal(fat_open(&c->fs, "/frag/fragmented.bin", &f), FAT_OK);
    for (u64 off = FRAG_SIZE - 1; off < FRAG_SIZE; off -= 3001) {
        int rc = fat_read_at(&f, off, b2, sizeof(b2));
        assert_int_equal(rc, MIN(sizeof(b2), FRAG_SIZE - off));
        assert_pattern(b2, off, (u32)rc, 2);
    }
    /* The remaining small files between the holes are intact. */
    assert_int_equal(open_err(&c->fs, "/frag/s01"), FAT_ENOENT);
    buf = read_all(&c->fs, "/frag/s02", 0, &len);
    assert_int_equal(len, 2048);
    assert_pattern(buf, 0, len, 256 + 2);
    free(buf);
}

/* ---- writing in place ---- */

static unsigned meta_writes; /* writes touching anything before the data region */
static u64 data_start_sector;

static int mem_write(void *ctx, u64 lba, u32 count, const void *buf)
{
    struct memdev *m = ctx;
    if (count == 0 || lba >= m->sectors || count > m->sectors - lba)
        fail_msg("bad write: lba %llu count %u", (unsigned long long)lba, count);
    if (lba < data_start_sector)
        meta_writes++;
    memcpy(m->data + lba * FAT_SECTOR_SIZE, buf, (size_t)count * FAT_SECTOR_SIZE);
    return 0;
}

static void writes_in_place_into_a_fragmented_file(void **state)
{
    struct ctx *c = *state;
    struct fat_file f;
    /* Where each byte lives: fat_file_extent agrees with the raw image. */
    assert_int_equal(fat_open(&c->fs, "/frag/fragmented.bin", &f), FAT_OK);
    static u8 pat[FRAG_SIZE];
    for (u64 off = 0; off < FRAG_SIZE;) {
        u64 lba, run;
        assert_int_equal(fat_file_extent(&f, off, &lba, &run), FAT_OK);
        assert_true(run > 0 && run <= fat_cluster_size(&c->fs) && off + run <= FRAG_SIZE);
        assert_pattern(c->m.data + lba * FAT_SECTOR_SIZE + off % FAT_SECTOR_SIZE, off, (u32)run, 2);
        off += run;
    }
    u64 lba, run;
    assert_int_equal(fat_file_extent(&f, FRAG_SIZE, &lba, &run), FAT_EINVAL);

    /* No write callback: refused. */
    assert_int_equal(fat_write_at(&f, 0, pat, 1), FAT_EINVAL);
    c->dev.write = mem_write;
    remount(c);
    data_start_sector = c->g.reserved + c->g.nfats * c->g.fatsz;
    meta_writes = 0;
    assert_int_equal(fat_open(&c->fs, "/frag/fragmented.bin", &f), FAT_OK);
    for (u32 i = 0; i < FRAG_SIZE; i++)
        pat[i] = (u8)(i * 7 + 3);
    /* Odd offsets and lengths, across sectors and clusters, then the whole file. */
    const u32 spans[][2] = {{1, 1}, {511, 2}, {700, 5000}, {FRAG_SIZE - 3, 3}, {4096, 512}, {0, FRAG_SIZE}};
    for (size_t i = 0; i < ARRAY_SIZE(spans); i++) {
        assert_int_equal(fat_write_at(&f, spans[i][0], pat + spans[i][0], spans[i][1]), (int)spans[i][1]);
        static u8 back[FRAG_SIZE];
        assert_int_equal(fat_read_at(&f, spans[i][0], back, spans[i][1]), (int)spans[i][1]);
        assert_memory_equal(back, pat + spans[i][0], spans[i][1]);
    }
    u32 len;
    u8 *all = read_all(&c->fs, "/frag/fragmented.bin", 0, &len);
    assert_int_equal(len, FRAG_SIZE);
    assert_memory_equal(all, pat, FRAG_SIZE);
    free(all);
    /* The file does not grow, nothing but its data changed, its neighbours are intact. */
    assert_int_equal(fat_write_at(&f, FRAG_SIZE - 1, pat, 2), FAT_ENOSPC);
    assert_int_equal(fat_write_at(&f, FRAG_SIZE + 1, pat, 0), FAT_ENOSPC);
    assert_int_equal(meta_writes, 0);
    u8 *buf = read_all(&c->fs, "/frag/s02", 0, &len);
    assert_int_equal(len, 2048);
    assert_pattern(buf, 0, len, 256 + 2);
    free(buf);
    remount(c); /* from the medium, not a cache */
    all = read_all(&c->fs, "/frag/fragmented.bin", 0, &len);
    assert_memory_equal(all, pat, FRAG_SIZE);
    free(all);
    struct fat_file d;
    assert_int_equal(fat_open(&c->fs, "/frag", &d), FAT_OK);
    assert_int_equal(fat_write_at(&d, 0, pat, 1), FAT_EISDIR);
    c->dev.write = NULL;
}

/* ---- partitioned disk ---- */

static void mounts_an_mbr_partition(void **state)
{
    (void)state;
    static struct fat_fs fs;
    struct memdev m;
    memdev_map(&m, "mbr.img");
    struct fat_blockdev dev = blockdev_of(&m);
    assert_int_equal(fat_mount(&fs, &dev, 0), FAT_ENOTFAT); /* the MBR is no boot sector */
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_OK);
    assert_int_equal(fs.start_lba, 6144);
    assert_int_equal(fat_type(&fs), 16);
    assert_file_text(&fs, "/guest/vm_default/linux.toml",
                     "[vm]\nname = \"default\"\nkernel = \"/guest/vm_default/Image\"\n");
    assert_file_text(&fs, "/README.txt", "lower\n");
    assert_int_equal(fat_mount(&fs, &dev, 6144), FAT_OK);
    assert_file_text(&fs, "/A rather long file name.toml", "title = \"a long name\"\n");

    /* The first FAT-typed entry is used: make entry 0 (type 0x83) FAT-typed, it fails to mount
     * (no FAT there) and its error is reported only if nothing else mounts. */
    u8 *table = m.data + 446;
    table[4] = 0x0c;
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_OK);
    assert_int_equal(fs.start_lba, 6144);
    /* A FAT partition running past the disk end. */
    table[4] = 0x83;
    wr32(table + 16 + 12, (u32)m.sectors);
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_ECORRUPT);
    /* No FAT partition at all. */
    table[16 + 4] = 0x07;
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_ENOTFAT);
    /* Not an MBR: a bad boot indicator. */
    table[16 + 4] = 0x0e;
    wr32(table + 16 + 12, 16384);
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_OK);
    table[0] = 0x12;
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_ENOTFAT);
    assert_int_equal(open_err(&fs, "/README.txt"), FAT_EINVAL); /* nothing mounted */
    memdev_unmap(&m);
}

/* ---- damaged media ---- */

static void rejects_non_fat_data(void **state)
{
    (void)state;
    static struct fat_fs fs;
    struct memdev m;
    memdev_alloc(&m, 1 << 20);
    struct fat_blockdev dev = blockdev_of(&m);
    assert_int_equal(fat_mount(&fs, &dev, 0), FAT_ENOTFAT); /* zeros */
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_ENOTFAT);
    u32 x = 1;
    for (size_t i = 0; i < m.size; i++) {
        x = x * 1664525u + 1013904223u;
        m.data[i] = (u8)(x >> 24);
    }
    assert_int_equal(fat_mount(&fs, &dev, 0), FAT_ENOTFAT);
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_ENOTFAT);
    m.data[510] = 0x55;
    m.data[511] = 0xaa;
    assert_int_equal(fat_mount_disk(&fs, &dev), FAT_ENOTFAT);
    assert_int_equal(fat_mount(&fs, &dev, 100), FAT_ENOTFAT);
    memdev_unmap(&m);
}

static void rejects_truncated_media(void **state)
{
    struct ctx *c = *state;
    u32 large_first = first_cluster_of(c, "/large.bin");
    /* The device is smaller than the volume claims. */
    c->dev.sectors = c->m.sectors / 2;
    assert_int_equal(fat_mount(&c->fs, &c->dev, 0), FAT_ECORRUPT);
    assert_int_equal(fat_mount_disk(&c->fs, &c->dev), FAT_ECORRUPT);
    c->dev.sectors = 0;
    assert_int_equal(fat_mount(&c->fs, &c->dev, 0), FAT_EINVAL);
    assert_int_equal(fat_mount_disk(&c->fs, &c->dev), FAT_EINVAL);
    c->dev.sectors = c->m.sectors;
    /* The device fails at some point: the BPB ... */
    c->m.fail_from = 0;
    assert_int_equal(fat_mount(&c->fs, &c->dev, 0), FAT_EIO);
    assert_int_equal(fat_mount_disk(&c->fs, &c->dev), FAT_EIO);
    /* ... or inside the large file (any negative code is reported as FAT_EIO). */
    c->m.fail_from = c->g.data_start + (large_first - 2) * c->g.spc + 1000;
    c->m.fail_code = -123;
    remount(c);
    struct fat_file f;
    static u8 buf[1 << 20];
    assert_int_equal(fat_open(&c->fs, "/large.bin", &f), FAT_OK);
    assert_int_equal(fat_read(&f, buf, 512 * 100), 512 * 100);
    assert_int_equal(fat_read(&f, buf, sizeof(buf)), FAT_EIO);
    assert_int_equal(f.pos, 512 * 100); /* unchanged by the failed read */
    assert_int_equal(fat_read(&f, buf, sizeof(buf)), FAT_EIO);
    /* Directories and the FAT beyond the failure point. */
    c->m.fail_from = c->g.reserved + 1;
    remount(c);
    assert_int_equal(read_err(&c->fs, "/large.bin"), FAT_EIO);
}

#define ANY 1 /* any result will do (only memory safety is checked) */

struct bpb_patch {
    const char *what;
    u32 offset, size, value;
    int fat16, fat32; /* expected result per type */
};

static const struct bpb_patch bpb_patches[] = {
    {"signature", 510, 2, 0x0000, FAT_ENOTFAT, FAT_ENOTFAT},
    {"jump", 0, 1, 0x00, FAT_ENOTFAT, FAT_ENOTFAT},
    {"bytes/sector 1024", 11, 2, 1024, FAT_EINVAL, FAT_EINVAL},
    {"bytes/sector 4096", 11, 2, 4096, FAT_EINVAL, FAT_EINVAL},
    {"bytes/sector 0", 11, 2, 0, FAT_ENOTFAT, FAT_ENOTFAT},
    {"bytes/sector 513", 11, 2, 513, FAT_ENOTFAT, FAT_ENOTFAT},
    {"sectors/cluster 0", 13, 1, 0, FAT_ENOTFAT, FAT_ENOTFAT},
    {"sectors/cluster 3", 13, 1, 3, FAT_ENOTFAT, FAT_ENOTFAT},
    {"sectors/cluster 128", 13, 1, 128, FAT_ENOTFAT, FAT_ENOTFAT}, /* too few clusters: FAT12 */
    {"reserved 0", 14, 2, 0, FAT_ENOTFAT, FAT_ENOTFAT},
    {"reserved huge", 14, 2, 60000, FAT_ECORRUPT, FAT_ECORRUPT},
    {"FAT count 0", 16, 1, 0, FAT_ENOTFAT, FAT_ENOTFAT},
    {"FAT count 200", 16, 1, 200, ANY, FAT_ECORRUPT}, /* FAT16: still fits, garbage layout */
    {"media", 21, 1, 0x12, FAT_ENOTFAT, FAT_ENOTFAT},
    {"total16 0 and total32 0", 19, 2, 0, FAT_ENOTFAT, FAT_ENOTFAT}, /* fat16 has total16 set */
    {"total32 beyond device", 32, 4, 0x7fffffff, FAT_OK, FAT_ECORRUPT},
    {"FAT size16 tiny", 22, 2, 1, FAT_ECORRUPT, FAT_ECORRUPT},
    {"FAT size32 tiny", 36, 4, 1, FAT_OK, FAT_ECORRUPT},
    {"FAT size32 huge", 36, 4, 0x40000000, FAT_OK, FAT_ECORRUPT},
    {"root entries 0", 17, 2, 0, FAT_ECORRUPT, FAT_OK},
    {"root entries on FAT32", 17, 2, 512, FAT_OK, FAT_ECORRUPT},
    {"root cluster 0", 44, 4, 0, FAT_OK, FAT_ECORRUPT},
    {"root cluster 1", 44, 4, 1, FAT_OK, FAT_ECORRUPT},
    {"root cluster past the end", 44, 4, 0x0ffffff0, FAT_OK, FAT_ECORRUPT},
    {"FAT32 version 1.0", 42, 2, 0x0100, FAT_OK, FAT_EINVAL},
    {"active FAT 3 of 2", 40, 2, 0x83, FAT_OK, FAT_ECORRUPT},
    {"active FAT 1 of 2", 40, 2, 0x81, FAT_OK, FAT_OK},
};

static void rejects_corrupted_bpb_fields(void **state)
{
    struct ctx *c = *state;
    u8 saved[512];
    memcpy(saved, c->m.data, 512);
    for (size_t i = 0; i < ARRAY_SIZE(bpb_patches); i++) {
        const struct bpb_patch *p = &bpb_patches[i];
        memcpy(c->m.data, saved, 512);
        if (p->size == 1)
            c->m.data[p->offset] = (u8)p->value;
        else if (p->size == 2)
            wr16(c->m.data + p->offset, (u16)p->value);
        else
            wr32(c->m.data + p->offset, p->value);
        if (p->offset == 19)
            wr32(c->m.data + 32, 0);
        int want = c->g.type == 16 ? p->fat16 : p->fat32;
        int rc = fat_mount(&c->fs, &c->dev, 0);
        if (want == ANY)
            continue;
        if (rc != want)
            fail_msg("%s: got %s, want %s", p->what, fat_strerror(rc), fat_strerror(want));
        if (rc == FAT_OK) /* harmless patches: the volume still reads */
            assert_file_text(&c->fs, "/guest/vm_default/a/b/c/deep.txt", "deep\n");
        else
            assert_int_equal(open_err(&c->fs, "/UPPER.TXT"), FAT_EINVAL);
    }
    memcpy(c->m.data, saved, 512);
}

static void detects_cluster_chain_loops(void **state)
{
    struct ctx *c = *state;
    struct geo *g = &c->g;
    u32 chain[8192];
    u32 first = first_cluster_of(c, "/large.bin");
    u32 n = raw_chain(g, first, chain, ARRAY_SIZE(chain));
    /* The last cluster links back to the first: reading to the end fails, every time. */
    raw_fat_set(g, chain[n - 1], first);
    remount(c);
    assert_int_equal(read_err(&c->fs, "/large.bin"), FAT_ECORRUPT);
    struct fat_file f;
    static u8 buf[4096];
    assert_int_equal(fat_open(&c->fs, "/large.bin", &f), FAT_OK);
    assert_int_equal(fat_read(&f, buf, sizeof(buf)), sizeof(buf)); /* the start is fine */
    assert_int_equal(fat_read_at(&f, LARGE_SIZE - 10, buf, 10), FAT_ECORRUPT);
    assert_int_equal(fat_read_at(&f, LARGE_SIZE - 10, buf, 10), FAT_ECORRUPT);
    /* A loop in the middle (chain shorter than the size, in effect). */
    raw_fat_set(g, chain[n - 1], 0x0fffffff);
    raw_fat_set(g, chain[10], chain[5]);
    remount(c);
    assert_int_equal(read_err(&c->fs, "/large.bin"), FAT_ECORRUPT);
    raw_fat_set(g, chain[10], chain[11]);
    remount(c);
    assert_int_equal(read_err(&c->fs, "/large.bin"), FAT_OK);

    /* A directory whose chain loops: the scan stops at the 65536-entry limit. */
    u32 dchain[64];
    u32 dn = raw_chain(g, first_cluster_of(c, "/many"), dchain, ARRAY_SIZE(dchain));
    raw_fat_set(g, dchain[dn - 1], dchain[0]);
    /* Make every entry of the directory a deleted one so that there is no end marker. */
    for (u32 i = 0; i < dn; i++)
        for (u32 o = 0; o < g->spc * 512; o += 32)
            if (raw_cluster(g, dchain[i])[o] == 0)
                raw_cluster(g, dchain[i])[o] = 0xe5;
    remount(c);
    struct fat_file d;
    struct fat_dirent e;
    assert_int_equal(fat_opendir(&c->fs, "/many", &d), FAT_OK);
    int rc, entries = 0;
    while ((rc = fat_readdir(&d, &e)) == 1)
        entries++;
    assert_int_equal(rc, FAT_ECORRUPT);
    assert_true(entries >= MANY_COUNT && entries <= 65536);
    assert_int_equal(open_err(&c->fs, "/many/nonexistent"), FAT_ECORRUPT);
    assert_int_equal(fat_readdir(&d, &e), FAT_ECORRUPT);
}

static void rejects_bad_cluster_numbers(void **state)
{
    struct ctx *c = *state;
    struct geo *g = &c->g;
    u32 chain[8192];
    u32 first = first_cluster_of(c, "/large.bin");
    u32 n = raw_chain(g, first, chain, ARRAY_SIZE(chain));
    u32 max = c->fs.clusters + 1;
    const u32 bad[] = {0, 1, max + 1, g->type == 32 ? 0x0ffffff0u : 0xfff0u,
                       g->type == 32 ? 0x0ffffff7u : 0xfff7u};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        raw_fat_set(g, chain[n / 2], bad[i]);
        remount(c);
        assert_int_equal(read_err(&c->fs, "/large.bin"), FAT_ECORRUPT);
    }
    raw_fat_set(g, chain[n / 2], chain[n / 2 + 1]);
    remount(c);
    assert_int_equal(read_err(&c->fs, "/large.bin"), FAT_OK);

    /* Directory entries: first cluster out of range; a size larger than the volume. */
    u8 *e = dirent_of(c, "/UPPER.TXT");
    wr16(e + 26, 1);
    remount(c);
    assert_int_equal(open_err(&c->fs, "/UPPER.TXT"), FAT_ECORRUPT);
    wr16(e + 26, 0);
    remount(c);
    assert_int_equal(open_err(&c->fs, "/UPPER.TXT"), FAT_ECORRUPT);
    wr16(e + 26, (u16)(first + 1));
    wr32(e + 28, 0xffffffff);
    remount(c);
    assert_int_equal(open_err(&c->fs, "/UPPER.TXT"), FAT_ECORRUPT);
    u8 *d = dirent_of(c, "/guest");
    u16 saved = rd16(d + 26);
    wr16(d + 26, 0);
    remount(c);
    assert_int_equal(open_err(&c->fs, "/guest"), FAT_ECORRUPT);
    assert_int_equal(open_err(&c->fs, "/guest/vm_default/linux.toml"), FAT_ECORRUPT);
    wr16(d + 26, saved);
    remount(c);
    if (g->type == 32) { /* the high half counts on FAT32 */
        wr16(d + 20, 0x0fff);
        remount(c);
        assert_int_equal(open_err(&c->fs, "/guest/vm_default"), FAT_ECORRUPT);
        wr16(d + 20, 0);
        remount(c);
    }
    assert_int_equal(open_err(&c->fs, "/guest/vm_default"), FAT_OK);
}

static void rejects_sizes_beyond_the_chain(void **state)
{
    struct ctx *c = *state;
    u32 cs = fat_cluster_size(&c->fs);
    /* Size larger than the chain: UPPER.TXT has one cluster. */
    u8 *e = dirent_of(c, "/UPPER.TXT");
    wr32(e + 28, cs + 1);
    remount(c);
    assert_int_equal(read_err(&c->fs, "/UPPER.TXT"), FAT_ECORRUPT);
    struct fat_file f;
    u8 buf[16];
    assert_int_equal(fat_open(&c->fs, "/UPPER.TXT", &f), FAT_OK);
    assert_int_equal(fat_read(&f, buf, 6), 6); /* the first cluster itself is readable */
    assert_memory_equal(buf, "upper\n", 6);
    assert_int_equal(fat_read_at(&f, cs, buf, 1), FAT_ECORRUPT);
    /* Size smaller than the chain: large.bin claims one cluster only. */
    e = dirent_of(c, "/large.bin");
    wr32(e + 28, cs);
    remount(c);
    assert_int_equal(read_err(&c->fs, "/large.bin"), FAT_ECORRUPT);
    wr32(e + 28, LARGE_SIZE);
    remount(c);
    assert_int_equal(read_err(&c->fs, "/large.bin"), FAT_OK);
}

/* Overwrites every free entry (0x00 first byte) of a directory's clusters with a deleted one,
 * so that the directory has no end marker. */
static void remove_end_markers(struct ctx *c, u8 *start, u32 bytes)
{
    (void)c;
    for (u32 o = 0; o < bytes; o += 32)
        if (start[o] == 0)
            start[o] = 0xe5;
}

static void lists_directories_without_end_marker(void **state)
{
    struct ctx *c = *state;
    struct geo *g = &c->g;
    /* Root (FAT16: the fixed region; FAT32: its chain) and a subdirectory. */
    if (g->type == 16) {
        u32 root_start = g->reserved + g->nfats * g->fatsz;
        remove_end_markers(c, g->vol + root_start * 512u, rd16(g->vol + 17) * 32u);
    } else {
        u32 chain[64];
        u32 n = raw_chain(g, c->fs.root_cluster, chain, ARRAY_SIZE(chain));
        for (u32 i = 0; i < n; i++)
            remove_end_markers(c, raw_cluster(g, chain[i]), g->spc * 512);
    }
    u32 chain[64];
    u32 n = raw_chain(g, first_cluster_of(c, "/guest/vm_default/a/b/c"), chain, ARRAY_SIZE(chain));
    for (u32 i = 0; i < n; i++)
        remove_end_markers(c, raw_cluster(g, chain[i]), g->spc * 512);
    remount(c);
    struct fat_file d;
    struct fat_dirent e;
    assert_int_equal(fat_opendir(&c->fs, "/", &d), FAT_OK);
    int count = 0, rc;
    while ((rc = fat_readdir(&d, &e)) == 1)
        count++;
    assert_int_equal(rc, 0);
    assert_int_equal(count, 12);
    assert_int_equal(fat_opendir(&c->fs, "/guest/vm_default/a/b/c", &d), FAT_OK);
    assert_int_equal(fat_readdir(&d, &e), 1);
    assert_string_equal(e.name, "deep.txt");
    assert_int_equal(fat_readdir(&d, &e), 0);
    assert_int_equal(open_err(&c->fs, "/guest/vm_default/a/b/c/missing"), FAT_ENOENT);
    assert_file_text(&c->fs, "/guest/vm_default/a/b/c/deep.txt", "deep\n");
}

/* Finds the long-name entries in front of an entry (same sector) and returns how many. */
static int lfn_entries_before(u8 *entry, u8 **lfn, int max)
{
    int n = 0;
    u8 *p = entry;
    while (n < max && ((uintptr_t)p % 512) != 0) {
        p -= 32;
        if ((p[11] & 0x3f) != 0x0f)
            break;
        lfn[n++] = p;
    }
    return n;
}

static const char *name_of_entry_with_short(struct ctx *c, const char *dir, const char *short_name)
{
    static struct fat_dirent e;
    struct fat_file d;
    assert_int_equal(fat_opendir(&c->fs, dir, &d), FAT_OK);
    while (fat_readdir(&d, &e) == 1)
        if (strcmp(e.short_name, short_name) == 0)
            return e.name;
    fail_msg("no entry %s", short_name);
    return NULL;
}

static void falls_back_to_short_names_on_bad_long_names(void **state)
{
    struct ctx *c = *state;
    u8 *e = dirent_of(c, "/A rather long file name.toml");
    u8 *lfn[20];
    int n = lfn_entries_before(e, lfn, 20);
    assert_int_equal(n, 3); /* 28 characters: 3 entries */
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "A rather long file name.toml");
    /* Bad checksum (consistent across the entries, but not matching the 8.3 name). */
    for (int i = 0; i < n; i++)
        lfn[i][13] ^= 1;
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "ARATHE~1.TOM");
    assert_int_equal(open_err(&c->fs, "/A rather long file name.toml"), FAT_ENOENT);
    assert_file_text(&c->fs, "/ARATHE~1.TOM", "title = \"a long name\"\n");
    for (int i = 0; i < n; i++)
        lfn[i][13] ^= 1;
    remount(c);
    assert_int_equal(open_err(&c->fs, "/A rather long file name.toml"), FAT_OK);
    /* One entry with a different checksum; a missing middle entry; a wrong ordinal. */
    lfn[1][13] ^= 1;
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "ARATHE~1.TOM");
    lfn[1][13] ^= 1;
    lfn[1][0] = 0xe5;
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "ARATHE~1.TOM");
    lfn[1][0] = 0x02;
    lfn[0][0] = 0x03; /* wrong ordinal */
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "ARATHE~1.TOM");
    lfn[0][0] = 0x01;
    lfn[2][0] = 0x55; /* ordinal 21 */
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "ARATHE~1.TOM");
    lfn[2][0] = 0x43;
    lfn[0][0] = 0x01;
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "A rather long file name.toml");
    /* A NUL inside the name invalidates it. */
    wr16(lfn[0] + 1, 0);
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "ARATHE~1.TOM");
    wr16(lfn[0] + 1, 'A');
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "ARATHE~1.TOM"), "A rather long file name.toml");
}

static void converts_utf16_to_utf8(void **state)
{
    struct ctx *c = *state;
    u8 *e = dirent_of(c, "/Mixed Case Name.TXT");
    u8 *lfn[20];
    int n = lfn_entries_before(e, lfn, 20);
    assert_int_equal(n, 2);
    u8 *first = lfn[0]; /* ordinal 1, right before the 8.3 entry: characters 1-13 */
    assert_int_equal(rd16(first + 1), 'M');
    /* A surrogate pair (U+1F600) in place of "Mi". */
    wr16(first + 1, 0xd83d);
    wr16(first + 3, 0xde00);
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "MIXEDC~1.TXT"),
                        "\xf0\x9f\x98\x80xed Case Name.TXT");
    assert_file_text(&c->fs, "/\xf0\x9f\x98\x80XED case name.txt", "mixed\n");
    /* An unpaired surrogate becomes U+FFFD; 2- and 3-byte forms. */
    wr16(first + 1, 0xdc00);
    wr16(first + 3, 0x00e9);
    wr16(first + 5, 0x20ac);
    remount(c);
    assert_string_equal(name_of_entry_with_short(c, "/", "MIXEDC~1.TXT"), "\xef\xbf\xbd\xc3\xa9\xe2\x82\xac"
                                                                          "ed Case Name.TXT");
    assert_file_text(&c->fs,
                     "/\xef\xbf\xbd\xc3\x89\xe2\x82\xac"
                     "ed case name.txt",
                     "mixed\n");
    /* Short names: OEM bytes are shown as '?' and never match. */
    assert_string_equal(name_of_entry_with_short(c, "/", "GR??EC~1.TXT"), "Gr\xc3\xbc\xc3\x9f"
                                                                          "e caf\xc3\xa9.txt");
}

/* ---- API misuse ---- */

static void rejects_bad_arguments(void **state)
{
    struct ctx *c = *state;
    static struct fat_fs unmounted;
    struct fat_file f;
    struct fat_dirent e;
    u8 buf[8];
    assert_int_equal(fat_mount(NULL, &c->dev, 0), FAT_EINVAL);
    assert_int_equal(fat_mount(&c->fs, NULL, 0), FAT_EINVAL);
    assert_int_equal(fat_mount(&c->fs, &c->dev, c->m.sectors), FAT_EINVAL);
    assert_int_equal(fat_open(&c->fs, "/guest", &f), FAT_EINVAL); /* the failed mount unmounted */
    struct fat_blockdev nodev = c->dev;
    nodev.read = NULL;
    assert_int_equal(fat_mount(&c->fs, &nodev, 0), FAT_EINVAL);
    assert_int_equal(fat_mount_disk(&c->fs, &nodev), FAT_EINVAL);
    assert_int_equal(fat_mount_disk(NULL, &c->dev), FAT_EINVAL);
    remount(c);
    assert_int_equal(fat_open(&unmounted, "/", &f), FAT_EINVAL);
    assert_int_equal(fat_open(&c->fs, NULL, &f), FAT_EINVAL);
    assert_int_equal(fat_open(NULL, "/", &f), FAT_EINVAL);
    assert_int_equal(fat_open(&c->fs, "/", NULL), FAT_EINVAL);
    assert_int_equal(fat_opendir(&c->fs, NULL, &f), FAT_EINVAL);
    assert_int_equal(fat_open(&c->fs, "/UPPER.TXT", &f), FAT_OK);
    assert_int_equal(fat_read(&f, NULL, 1), FAT_EINVAL);
    assert_int_equal(fat_read(NULL, buf, 1), FAT_EINVAL);
    assert_int_equal(fat_read_at(NULL, 0, buf, 1), FAT_EINVAL);
    assert_int_equal(fat_read(&f, NULL, 0), 0);
    assert_int_equal(fat_seek(NULL, 0), FAT_EINVAL);
    assert_int_equal(fat_readdir(NULL, &e), FAT_EINVAL);
    assert_int_equal(fat_opendir(&c->fs, "/", &f), FAT_OK);
    assert_int_equal(fat_readdir(&f, NULL), FAT_EINVAL);
    assert_int_equal(fat_file_size(NULL), 0);
    assert_false(fat_is_dir(NULL));
    assert_int_equal(fat_type(NULL), 0);
    assert_int_equal(fat_cluster_size(&unmounted), 0);
}

static void names_every_error(void **state)
{
    (void)state;
    const int codes[] = {FAT_OK,      FAT_EIO,    FAT_ENOTFAT,      FAT_ECORRUPT, FAT_ENOENT,
                         FAT_ENOTDIR, FAT_EISDIR, FAT_ENAMETOOLONG, FAT_ENOSPC,   FAT_EINVAL};
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
        assert_non_null(fat_strerror(codes[i]));
        assert_string_not_equal(fat_strerror(codes[i]), "unknown error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(fat_strerror(codes[i]), fat_strerror(codes[j]));
    }
    assert_string_equal(fat_strerror(-100), "unknown error");
    assert_string_equal(fat_strerror(1), "unknown error");
}

#define BOTH(fn)                                                                                             \
    cmocka_unit_test_prestate_setup_teardown(fn, setup_image, teardown_image, "fat16.img"),                  \
        cmocka_unit_test_prestate_setup_teardown(fn, setup_image, teardown_image, "fat32.img")

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(mounts_with_expected_geometry),
        BOTH(lists_root),
        BOTH(lists_subdirectories_without_dot_entries),
        BOTH(lists_a_multi_cluster_directory),
        BOTH(opens_long_names_case_insensitively),
        BOTH(resolves_deep_paths),
        BOTH(reports_path_errors),
        BOTH(handles_the_longest_name),
        BOTH(reads_empty_and_single_cluster_files),
        BOTH(reads_a_large_file_in_few_requests),
        BOTH(reads_sequentially_without_rewalking),
        BOTH(reads_at_odd_offsets),
        BOTH(reads_a_fragmented_file),
        BOTH(writes_in_place_into_a_fragmented_file),
        cmocka_unit_test(mounts_an_mbr_partition),
        cmocka_unit_test(rejects_non_fat_data),
        BOTH(rejects_truncated_media),
        BOTH(rejects_corrupted_bpb_fields),
        BOTH(detects_cluster_chain_loops),
        BOTH(rejects_bad_cluster_numbers),
        BOTH(rejects_sizes_beyond_the_chain),
        BOTH(lists_directories_without_end_marker),
        BOTH(falls_back_to_short_names_on_bad_long_names),
        BOTH(converts_utf16_to_utf8),
        BOTH(rejects_bad_arguments),
        cmocka_unit_test(names_every_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
