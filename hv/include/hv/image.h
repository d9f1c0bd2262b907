/* Files embedded in the hypervisor image at build time (scripts/gen_embed.py): the VM configs
 * named by VM_CONFIGS and the images they reference with image_location = "memory". */
#ifndef HV_IMAGE_H
#define HV_IMAGE_H

#include <lib/types.h>

enum embedded_kind { EMBEDDED_CONFIG = 0, EMBEDDED_IMAGE = 1 };

struct embedded_file {
    const char *name; /* configs: their path; images: the path as written in the config */
    const u8 *data;
    u64 size;
    u64 kind;
};

extern const struct embedded_file embedded_files[];
extern const u64 embedded_file_count;

const struct embedded_file *image_find(const char *name);

#endif
