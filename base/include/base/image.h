/* The parts of the base+app image, as each architecture's link.ld lays them out (all page
 * aligned): [__image_start, __rw_start) is read-only once loaded (code, read-only data, embedded
 * VM images), [__text_start, __text_end) is the code within it, and [__rw_start, __image_end)
 * (data, BSS, stacks) is writable. The base maps each part with those permissions only. */
#ifndef BASE_IMAGE_H
#define BASE_IMAGE_H

extern char __image_start[], __text_start[], __text_end[], __rw_start[], __image_end[];

#endif
