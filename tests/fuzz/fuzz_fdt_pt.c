/* libFuzzer target for device passthrough selection (lib/src/fdt_pt.c) over arbitrary FDTs that
 * the reader accepts: the whole tree, then each of the first nodes as include and as exclude
 * path. Reported devices must satisfy the API's invariants (checked with __builtin_trap). */
#include <lib/fdt.h>
#include <lib/fdt_pt.h>
#include <base/irq.h> /* irq_fdt_xlate: the GIC binding, base/drivers/gic_fdt.c */
#include <lib/string.h>
#include <lib/types.h>

#define CHECK(c)                                                                                             \
    do {                                                                                                     \
        if (!(c))                                                                                            \
            __builtin_trap();                                                                                \
    } while (0)

static int check_device(const struct fdt_pt_device *d, void *arg)
{
    const struct fdt *f = arg;
    CHECK(d->reg_count <= FDT_PT_MAX_REGS && d->irq_count <= FDT_PT_MAX_IRQS);
    CHECK(strnlen(d->path, FDT_PT_PATH_MAX) < FDT_PT_PATH_MAX && d->path[0] == '/');
    CHECK(d->node > fdt_root(f) && fdt_node_name(f, d->node));
    for (u32 i = 0; i < d->reg_count; i++)
        CHECK(d->reg_size[i] > 0 && d->reg_base[i] + (d->reg_size[i] - 1) >= d->reg_base[i]);
    for (u32 i = 0; i < d->irq_count; i++)
        CHECK(d->irq[i] >= 32 && d->irq[i] <= 1019);
    return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    struct fdt f;
    if (fdt_open(&f, data, size) != 0)
        return 0;
    static const char *const root[] = {"/"};
    const char *bad = "unset";
    int all = fdt_pt_collect(&f, root, 1, NULL, 0, irq_fdt_xlate, check_device, &f, &bad);
    CHECK(all >= 0 && bad == NULL);
    char path[256];
    int seen = 0;
    for (int n = fdt_root(&f); n >= 0 && seen < 32; n = fdt_next_node(&f, n), seen++) {
        if (fdt_node_path(&f, n, path, sizeof(path)))
            continue;
        const char *const p[] = {path};
        int some = fdt_pt_collect(&f, p, 1, NULL, 0, irq_fdt_xlate, check_device, &f, &bad);
        CHECK(some <= all && (some >= 0 || (fdt_path_lookup(&f, path) < 0 && bad == path)));
        int rest = fdt_pt_collect(&f, root, 1, p, 1, irq_fdt_xlate, check_device, &f, &bad);
        CHECK(rest >= 0 && rest <= all);
    }
    return 0;
}
