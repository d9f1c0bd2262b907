/* Multiboot memory map iteration (<lib/multiboot.h>). */
#include <lib/multiboot.h>
#include <lib/string.h>

bool multiboot_mmap_next(const u8 *map, u32 length, u32 *offset, struct multiboot_mmap_entry *e)
{
    u32 at = *offset;
    if (at > length || length - at < 4)
        return false;
    u32 size;
    memcpy(&size, map + at, 4);
    if (size < 20 || size > length - at - 4)
        return false;
    memcpy(&e->base, map + at + 4, 8);
    memcpy(&e->length, map + at + 12, 8);
    memcpy(&e->type, map + at + 20, 4);
    *offset = at + 4 + size;
    return true;
}
