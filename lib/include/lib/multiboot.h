/* The Multiboot (version 1, 0.6.96) boot information: what a multiboot loader hands the kernel
 * it starts (EAX = MULTIBOOT_BOOT_MAGIC, EBX = the physical address of struct multiboot_info).
 * The memory map it points to is loader input: multiboot_mmap_next bounds-checks every entry. */
#ifndef LIB_MULTIBOOT_H
#define LIB_MULTIBOOT_H

#include <lib/types.h>

#define MULTIBOOT_BOOT_MAGIC 0x2badb002u
#define MULTIBOOT_INFO_MEMORY (1u << 0)  /* mem_lower, mem_upper valid */
#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MEM_MAP (1u << 6) /* mmap_length, mmap_addr valid */

struct multiboot_info {
    u32 flags;
    u32 mem_lower, mem_upper; /* KiB below 1 MiB, KiB from 1 MiB on */
    u32 boot_device;
    u32 cmdline;
    u32 mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
} __attribute__((packed));

#define MULTIBOOT_MEMORY_AVAILABLE 1u
#define MULTIBOOT_MEMORY_RESERVED 2u
#define MULTIBOOT_MEMORY_ACPI_RECLAIMABLE 3u
#define MULTIBOOT_MEMORY_NVS 4u
#define MULTIBOOT_MEMORY_BADRAM 5u

struct multiboot_mmap_entry {
    u64 base, length;
    u32 type;
};

/* The memory map entry at *offset of the map [map, map + length) (start with 0), and advances
 * past it; false at the end or on a malformed entry (its size field is below 20 or it runs past
 * the map). Each entry is its 4-byte size (not counting itself), then base, length, type. */
bool multiboot_mmap_next(const u8 *map, u32 length, u32 *offset, struct multiboot_mmap_entry *e);

#endif
