/* The MBR partition table (the four primary entries at byte 446 of sector 0): where a
 * partition is, checked against the disk. Pure logic, host-tested (tests/unit/lib/test_mbr.c). */
#ifndef LIB_MBR_H
#define LIB_MBR_H

#include <lib/types.h>

#define MBR_PARTITIONS 4

enum mbr_error {
    MBR_OK = 0,
    MBR_ENOTABLE = -1,   /* no 0x55 0xAA signature: not a partitioned disk */
    MBR_ENOENT = -2,     /* the entry is empty (type 0) or past the fourth */
    MBR_EGPT = -3,       /* a GPT protective entry (type 0xEE): GPT is not read */
    MBR_EEXTENDED = -4,  /* an extended partition (types 0x05, 0x0F, 0x85): a container, not a disk */
    MBR_ERANGE = -5,     /* empty, or not inside the disk */
};

/* Partition n (1..4) of a disk of disk_sectors sectors whose sector 0 is sector0: its first
 * sector and sector count. */
int mbr_partition(const u8 sector0[512], unsigned n, u64 disk_sectors, u64 *first, u64 *count);
const char *mbr_strerror(int err);

#endif
