/* The board's devices beyond the console and interrupt controller, brought up by their drivers
 * once the CPUs run (kept apart from platform.c, whose facts the memory code reads first). */
#include <base/platform.h>
#include <drivers/virtio_blk.h>

void platform_probe_disks(const struct fdt *fdt) { virtio_blk_probe(fdt); }
