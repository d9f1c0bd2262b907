/* The board's devices beyond the console and interrupt controller, brought up by their drivers
 * once the CPUs run. */
#include <base/platform.h>

void platform_init_devices(const struct fdt *fdt) { (void)fdt; }
