/* The board's devices beyond the console and interrupt controller, brought up by their drivers
 * once the CPUs run: the disk (virtio-blk on PCI; the PCI walk happened while the machine was
 * described). */
#include <base/platform.h>
#include <drivers/virtio_pci.h>

void platform_probe_disks(const struct fdt *fdt)
{
    (void)fdt;
    virtio_pci_probe();
}
