/* virtio-blk (virtio 1.2 §5.2) over a file on the FAT disk (APP_FEATURES=fs): [kernel]
 * disk_path names it, emu_devices cfg[0] bit 0 makes it read-only. The file's sectors are
 * looked up once when the VM is built (vmfs_extents) and requests go straight to them on the
 * host disk, into and out of the guest's buffers: writes land in the file's own clusters, the
 * file never grows, nothing else on the disk changes. Requests complete before the driver
 * sees them used, so a flush only has to wait for nothing (no write cache here). */
#include <base/log.h>
#include <base/mm.h>
#include <hv/virtio_dev.h>
#include <hv/vm.h>
#include <hv/vmfs.h>
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
    bool read_only;
    u64 sectors;
    u32 nextents;
    struct vmfs_extent ext[MAX_EXTENTS];
    struct virtq_chain chain;
    u64 reads, writes, errors;
};

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
        if (vmfs_disk_io(write, e->lba + (sector - e->file_sector), (u32)n, buf) != 0)
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

static void vdisk_destroy(struct virtio_vdev *v) { kfree(v); }

int virtio_disk_create(struct vm *vm, const struct vm_emu_device *e, struct diag *dg)
{
    const struct vm_config *c = vm->config;
    struct vdisk *d = kzalloc(sizeof(*d));
    if (!d) {
        diag_error(dg, c->file, e->line, "devices.emu_devices", "out of memory for the virtio-blk device");
        return -1;
    }
    u64 size = 0;
    int r = vmfs_extents(c->disk_path, d->ext, MAX_EXTENTS, &d->nextents, &size);
    if (r != 0) {
        diag_error(dg, c->file, c->disk_path_line ? c->disk_path_line : e->line, "kernel.disk_path",
                   "'%s': %s", c->disk_path,
                   !vmfs_present() ? "no FAT disk (build with APP_FEATURES=fs and attach one)"
                   : r == -8       ? "more than 256 fragments on the disk"
                                   : vmfs_strerror(r));
        kfree(d);
        return -1;
    }
    d->sectors = size / SECTOR;
    if (d->sectors == 0) {
        diag_error(dg, c->file, c->disk_path_line, "kernel.disk_path", "'%s' is smaller than one sector",
                   c->disk_path);
        kfree(d);
        return -1;
    }
    d->read_only = (e->cfg_count && (e->cfg[0] & 1)) || vmfs_disk_read_only();
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
    LOG_AT(LOG_INFO, (long)vm->id, "virtio-blk: '%s', %llu sectors in %u extents%s", c->disk_path,
           (unsigned long long)d->sectors, d->nextents, d->read_only ? ", read-only" : "");
    return 0;
}
