/* What a range of the base's identity map holds, which sets its permissions and memory type
 * (each architecture's mmu_map_identity). Only the image's code is executable, and nothing
 * executable is writable (W^X). */
#ifndef BASE_MMU_TYPE_H
#define BASE_MMU_TYPE_H

enum mmu_mem_type {
    MMU_NORMAL, /* RAM: read/write, never executed */
    MMU_DEVICE, /* device registers: uncached, never executed */
    MMU_CODE,   /* the image's code: read-only, executable */
    MMU_RODATA, /* the image's read-only data and embedded VM images */
};

#endif
