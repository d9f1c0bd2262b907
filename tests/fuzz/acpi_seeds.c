/* Writes the seeds of fuzz_acpi (tests/fuzz/corpus/fuzz_acpi/): the q35-like tables of the unit
 * tests (tests/unit/lib/acpi_image.h) with an RSDT, with an XSDT, and with 8 CPUs. Run by hand:
 *   clang -Ilib/include -Itests/unit/lib tests/fuzz/acpi_seeds.c -o /tmp/s && /tmp/s DIR */
#include <stdio.h>

#include "acpi_image.h"

static struct acpi_image img;

static void write_seed(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(img.mem, 1, 0x5000 + 60, f) != 0x5000 + 60)
        perror(path);
    if (f)
        fclose(f);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    acpi_image_build(&img, 0, 2);
    write_seed(dir, "q35-rsdt-2cpus");
    acpi_image_build(&img, 2, 4);
    write_seed(dir, "q35-xsdt-4cpus");
    acpi_image_build(&img, 2, 8);
    write_seed(dir, "q35-xsdt-8cpus");
    return 0;
}
