#include <hv/image.h>
#include <lib/string.h>

const struct embedded_file *image_find(const char *name)
{
    for (u64 i = 0; i < embedded_file_count; i++)
        if (embedded_files[i].kind == EMBEDDED_IMAGE && strcmp(embedded_files[i].name, name) == 0)
            return &embedded_files[i];
    return NULL;
}
