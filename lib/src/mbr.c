/* MBR partition entries (see lib/mbr.h). Every value comes from a disk and is checked. */
#include <lib/mbr.h>

static u32 le32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }

int mbr_partition(const u8 sector0[512], unsigned n, u64 disk_sectors, u64 *first, u64 *count)
{
    if (sector0[510] != 0x55 || sector0[511] != 0xAA)
        return MBR_ENOTABLE;
    if (n < 1 || n > MBR_PARTITIONS)
        return MBR_ENOENT;
    const u8 *e = sector0 + 446 + (n - 1) * 16;
    u8 type = e[4];
    if (type == 0)
        return MBR_ENOENT;
    if (type == 0xEE)
        return MBR_EGPT;
    if (type == 0x05 || type == 0x0F || type == 0x85)
        return MBR_EEXTENDED;
    u64 start = le32(e + 8), size = le32(e + 12);
    /* Sector 0 holds the table itself: a partition starting there would overwrite it. */
    if (start == 0 || size == 0 || start >= disk_sectors || size > disk_sectors - start)
        return MBR_ERANGE;
    *first = start;
    *count = size;
    return MBR_OK;
}

const char *mbr_strerror(int err)
{
    switch (err) {
    case MBR_OK: return "ok";
    case MBR_ENOTABLE: return "the disk has no MBR partition table";
    case MBR_ENOENT: return "no such partition";
    case MBR_EGPT: return "a GPT disk (only MBR partition tables are read)";
    case MBR_EEXTENDED: return "an extended partition (a container of others, not a disk)";
    case MBR_ERANGE: return "the partition is empty or not inside the disk";
    default: return "unknown error";
    }
}
