/* virtio-blk (virtio 1.2 §5.2) over what [kernel] disk_path names; emu_devices cfg[0] bit 0
 * makes it read-only.
 * - "/path": a file on the FAT disk (APP_FEATURES=fs). The file's sectors are looked up once
 *   when the VM is built (vmfs_extents) and requests go straight to them on the host disk:
 *   writes land in the file's own clusters, the file never grows, nothing else changes.
 * - "virtio-blk1", "virtio-blk1p2": a whole host disk (its name in the boot log) or one of its
 *   MBR partitions, owned by this VM alone while it exists.
 * Requests go into and out of the guest's buffers and complete before the driver sees them
 * used, so a flush only has to wait for nothing (no write cache here). */
#include <arch/spinlock.h>
#include <base/blockdev.h>
#include <base/boot.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/virtio_dev.h>
#include <hv/vm.h>
#include <hv/vmfs.h>
#include <lib/fmt.h>
#include <lib/mbr.h>
#include <lib/string.h>

#define REQQ 0
#define SECTOR 512u
#define MAX_EXTENTS 256u
#define SEG_MAX 126u

#define T_IN 0u
#define T_OUT 1u
#define T_FLUSH 4u
#define T_GET_ID 8u
#define S_OK 0u
#define S_IOERR 1u
#define S_UNSUPP 2u

#define F_SEG_MAX 2
#define F_RO 5
#define F_FLUSH 9

struct vdisk {
    struct virtio_vdev v; /* first: the device's destroy hook gets it */
    struct blockdev *host; /* a host disk or partition (ext[0] says where), or NULL: a file */
    bool read_only;
    u64 sectors;
    u32 nextents;
    struct vmfs_extent ext[MAX_EXTENTS];
    struct virtq_chain chain;
    u64 reads, writes, errors;
};

static int disk_io(struct vdisk *d, bool write, u64 lba, u32 count, void *buf)
{
    if (!d->host)
        return vmfs_disk_io(write, lba, count, buf);
    return write ? d->host->write(d->host, lba, count, buf) : d->host->read(d->host, lba, count, buf);
}

/* ---- host disks and partitions: one VM each ---- */

#define MAX_CLAIMS 16

struct disk_claim {
    struct blockdev *disk; /* NULL: a free slot */
    u64 first, count;
    const struct vdisk *by;
    u64 vm_id;
    char vm_name[VM_NAME_MAX];
    char spec[24];
};

static struct disk_claim claims[MAX_CLAIMS];
static spinlock_t claims_lock = SPINLOCK_INIT;

/* Claims sectors [first, first + count) of disk for d, unless another VM holds any of them. */
static int claim(struct vdisk *d, const struct vm *vm, struct blockdev *disk, u64 first, u64 count,
                 const char *spec, char *why, size_t why_len)
{
    struct disk_claim *slot = NULL;
    int r = 0;
    spin_lock(&claims_lock);
    for (u32 i = 0; i < MAX_CLAIMS; i++) {
        struct disk_claim *c = &claims[i];
        if (!c->disk) {
            slot = slot ? slot : c;
            continue;
        }
        if (c->disk == disk && first < c->first + c->count && c->first < first + count) {
            fmt_snprintf(why, why_len, "sectors overlap '%s', which belongs to VM %llu '%s' (a disk or partition is "
                         "one VM's)", c->spec, (unsigned long long)c->vm_id, c->vm_name);
            r = -1;
            goto out;
        }
    }
    if (!slot) {
        fmt_snprintf(why, why_len, "more than %u host disks and partitions are given to VMs", MAX_CLAIMS);
        r = -1;
        goto out;
    }
    *slot = (struct disk_claim){.disk = disk, .first = first, .count = count, .by = d, .vm_id = vm->id};
    str_copy(slot->vm_name, vm->name, sizeof(slot->vm_name));
    str_copy(slot->spec, spec, sizeof(slot->spec));
out:
    spin_unlock(&claims_lock);
    return r;
}

static void release(const struct vdisk *d)
{
    spin_lock(&claims_lock);
    for (u32 i = 0; i < MAX_CLAIMS; i++)
        if (claims[i].disk && claims[i].by == d)
            claims[i].disk = NULL;
    spin_unlock(&claims_lock);
}

/* spec is a host disk's name ("virtio-blk1") or that and "p" and a partition number 1..4
 * ("virtio-blk1p2"): sets d->host and its one extent. */
static int open_host_disk(struct vdisk *d, const struct vm *vm, const char *spec, char *why, size_t why_len)
{
    base_probe_disks();
    struct blockdev *disk = NULL;
    unsigned part = 0;
    for (unsigned i = 0; !disk && blockdev_get(i); i++) {
        struct blockdev *b = blockdev_get(i);
        size_t n = strlen(b->name);
        if (strncmp(spec, b->name, n) != 0)
            continue;
        if (spec[n] == '\0')
            disk = b;
        else if (spec[n] == 'p' && spec[n + 1] >= '1' && spec[n + 1] <= '4' && spec[n + 2] == '\0')
            disk = b, part = (unsigned)(spec[n + 1] - '0');
    }
    if (!disk) {
        char names[96] = "";
        size_t used = 0;
        for (unsigned i = 0; blockdev_get(i) && used < sizeof(names); i++)
            used += fmt_snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "", blockdev_get(i)->name);
        fmt_snprintf(why, why_len, "no such host disk or partition (disks: %s; a partition is the disk's name, 'p' "
                     "and 1..4)", names[0] ? names : "none");
        return -1;
    }
    if (vmfs_on_disk(disk)) {
        fmt_snprintf(why, why_len, "%s holds the hypervisor's FAT volume (APP_FEATURES=fs); give a VM a file on it "
                     "instead", disk->name);
        return -1;
    }
    u64 first = 0, count = disk->sectors;
    if (part) {
        u8 *mbr = kmalloc(SECTOR);
        if (!mbr || disk->read(disk, 0, 1, mbr) != 0) {
            if (mbr)
                kfree(mbr);
            fmt_snprintf(why, why_len, "%s: cannot read its partition table", disk->name);
            return -1;
        }
        int r = mbr_partition(mbr, part, disk->sectors, &first, &count);
        kfree(mbr);
        if (r != MBR_OK) {
            fmt_snprintf(why, why_len, "%s: partition %u: %s", disk->name, part, mbr_strerror(r));
            return -1;
        }
    }
    if (claim(d, vm, disk, first, count, spec, why, why_len) != 0)
        return -1;
    d->host = disk;
    d->ext[0] = (struct vmfs_extent){.file_sector = 0, .lba = first, .count = count};
    d->nextents = 1;
    d->sectors = count;
    return 0;
}

/* Sectors [sector, sector + count) of the file, to or from buf. */
static int file_io(struct vdisk *d, bool write, u64 sector, u64 count, u8 *buf)
{
    if (sector > d->sectors || count > d->sectors - sector)
        return -1;
    u32 i = 0;
    while (count) {
        while (i < d->nextents && sector >= d->ext[i].file_sector + d->ext[i].count)
            i++;
        if (i == d->nextents || sector < d->ext[i].file_sector)
            return -1;
        const struct vmfs_extent *e = &d->ext[i];
        u64 n = MIN(count, e->file_sector + e->count - sector);
        n = MIN(n, (u64)0x10000); /* one request at a time of at most 32 MiB */
        if (disk_io(d, write, e->lba + (sector - e->file_sector), (u32)n, buf) != 0)
            return -1;
        sector += n;
        count -= n;
        buf += n * SECTOR;
    }
    return 0;
}

/* One request chain: header (16 readable bytes), data, status (the last writable byte).
 * Returns the bytes written into the chain. */
static u32 handle(struct vdisk *d, struct virtq_chain *c)
{
    u8 hdr[16];
    u32 got = 0;
    struct virtq_seg *status_seg = c->nseg ? &c->seg[c->nseg - 1] : NULL;
    if (c->readable < sizeof(hdr) || !status_seg || !status_seg->write)
        return 0; /* nowhere to put a status: dropped (used, 0 bytes) */
    u8 *status = (u8 *)status_seg->hva + status_seg->len - 1;
    for (u32 s = 0; s < c->nseg && got < sizeof(hdr); s++) {
        u32 k = MIN(c->seg[s].len, (u32)sizeof(hdr) - got);
        memcpy(hdr + got, c->seg[s].hva, k);
        got += k;
    }
    u32 type, written = 1;
    u64 sector;
    memcpy(&type, hdr, 4);
    memcpy(&sector, hdr + 8, 8);
    u8 st = S_OK;
    if (type == T_IN || type == T_OUT) {
        bool write = type == T_OUT;
        if (write && d->read_only) {
            st = S_IOERR;
        } else {
            /* The data: readable bytes after the header (out), or writable bytes before the
             * status byte (in); each piece a whole number of sectors. */
            u32 skip = sizeof(hdr);
            for (u32 s = 0; s < c->nseg && st == S_OK; s++) {
                struct virtq_seg *g = &c->seg[s];
                u32 off = 0, len = g->len;
                if (!g->write) {
                    off = MIN(skip, len);
                    skip -= off;
                    if (!write)
                        continue;
                } else if (write) {
                    continue;
                }
                if (g == status_seg)
                    len -= 1;
                len -= off;
                if (!len)
                    continue;
                if (len % SECTOR || file_io(d, write, sector, len / SECTOR, (u8 *)g->hva + off) != 0) {
                    st = S_IOERR;
                    break;
                }
                sector += len / SECTOR;
                if (!write)
                    written += len;
            }
            if (write)
                d->writes++;
            else
                d->reads++;
        }
    } else if (type == T_FLUSH) {
        st = S_OK; /* every write completed on the host disk before it was used */
    } else if (type == T_GET_ID) {
        /* The id goes into the writable bytes before the status byte, whether they share its
         * buffer or (as Linux sends them) come in one of their own. */
        static const char id[20] = "cvisor-vdisk";
        u32 done = 0;
        for (u32 s = 0; s < c->nseg && done < sizeof(id); s++) {
            struct virtq_seg *g = &c->seg[s];
            u32 len = g == status_seg ? g->len - 1 : g->len;
            if (!g->write || !len)
                continue;
            u32 n = MIN(len, (u32)sizeof(id) - done);
            memcpy(g->hva, id + done, n);
            done += n;
        }
        written += done;
    } else {
        st = S_UNSUPP;
    }
    if (st == S_IOERR)
        d->errors++;
    *status = st;
    return written;
}

static void vdisk_notify(struct virtio_mmio *t, u16 q)
{
    struct vdisk *d = t->dev;
    bool pushed = false;
    (void)q;
    for (;;) {
        int r = virtq_pop(&t->q[REQQ], &t->host.mem, &d->chain);
        if (r == VIRTQ_EMPTY)
            break;
        if (r < 0) {
            virtio_mmio_fail(t, REQQ, r);
            return;
        }
        u32 written = handle(d, &d->chain);
        virtq_push(&t->q[REQQ], &t->host.mem, d->chain.head, written);
        pushed = true;
    }
    if (pushed)
        virtio_mmio_used(t, REQQ);
}

static void vdisk_destroy(struct virtio_vdev *v)
{
    release((struct vdisk *)v);
    kfree(v);
}

/* A file on the FAT disk: its extents and size. */
static int open_file(struct vdisk *d, const struct vm_config *c, const struct vm_emu_device *e, struct diag *dg)
{
    u64 size = 0;
    int r = vmfs_extents(c->disk_path, d->ext, MAX_EXTENTS, &d->nextents, &size);
    if (r != 0) {
        diag_error(dg, c->file, c->disk_path_line ? c->disk_path_line : e->line, "kernel.disk_path",
                   "'%s': %s", c->disk_path,
                   !vmfs_present() ? "no FAT disk (build with APP_FEATURES=fs and attach one)"
                   : r == -8       ? "more than 256 fragments on the disk"
                                   : vmfs_strerror(r));
        return -1;
    }
    d->sectors = size / SECTOR;
    if (d->sectors == 0) {
        diag_error(dg, c->file, c->disk_path_line, "kernel.disk_path", "'%s' is smaller than one sector",
                   c->disk_path);
        return -1;
    }
    return 0;
}

BUILT_FOR_SIZE int virtio_disk_create(struct vm *vm, const struct vm_emu_device *e, struct diag *dg)
{
    const struct vm_config *c = vm->config;
    struct vdisk *d = kzalloc(sizeof(*d));
    if (!d) {
        diag_error(dg, c->file, e->line, "devices.emu_devices", "out of memory for the virtio-blk device");
        return -1;
    }
    if (c->disk_path[0] == '/') {
        if (open_file(d, c, e, dg) != 0) {
            kfree(d);
            return -1;
        }
    } else {
        char why[160];
        if (open_host_disk(d, vm, c->disk_path, why, sizeof(why)) != 0) {
            diag_error(dg, c->file, c->disk_path_line ? c->disk_path_line : e->line, "kernel.disk_path", "'%s': %s",
                       c->disk_path, why);
            kfree(d);
            return -1;
        }
    }
    bool host_ro = d->host ? d->host->read_only || !d->host->write : vmfs_disk_read_only();
    d->read_only = (e->cfg_count && (e->cfg[0] & 1)) || host_ro;
    /* struct virtio_blk_config: capacity (sectors), size_max, seg_max. */
    u8 config[16] = {0};
    memcpy(config, &d->sectors, 8);
    const u32 seg_max = SEG_MAX;
    memcpy(config + 12, &seg_max, 4);
    static const struct virtio_backend rw = {.device_id = VIRTIO_ID_BLOCK, .num_queues = 1, .notify = vdisk_notify,
                                       .features = (1ull << F_SEG_MAX) | (1ull << F_FLUSH)};
    static const struct virtio_backend ro = {.device_id = VIRTIO_ID_BLOCK, .num_queues = 1, .notify = vdisk_notify,
                                       .features = (1ull << F_SEG_MAX) | (1ull << F_FLUSH) | (1ull << F_RO)};
    d->v.destroy = vdisk_destroy;
    virtio_vdev_add(&d->v, vm, e, "virtio-blk", d->read_only ? &ro : &rw, d, config, sizeof(config));
    if (d->host)
        LOG_AT(LOG_INFO, (long)vm->id, "virtio-blk: '%s', %llu sectors from sector %llu of host disk %s, this VM's "
               "alone%s", c->disk_path, (unsigned long long)d->sectors, (unsigned long long)d->ext[0].lba,
               d->host->name, d->read_only ? ", read-only" : "");
    else
        LOG_AT(LOG_INFO, (long)vm->id, "virtio-blk: '%s', %llu sectors in %u extents%s", c->disk_path,
               (unsigned long long)d->sectors, d->nextents, d->read_only ? ", read-only" : "");
    return 0;
}
