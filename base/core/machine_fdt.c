/* The machine description from a host DTB: /memory, the firmware's memory (the reservation
 * block and /reserved-memory) and /cpus. */
#include <base/machine.h>
#include <lib/string.h>

static void find_ram(struct machine *m, const struct fdt *fdt)
{
    for (int n = fdt_next_node(fdt, fdt_root(fdt)); n >= 0; n = fdt_next_node(fdt, n)) {
        size_t len;
        const char *type = fdt_prop(fdt, n, "device_type", &len);
        if (!type || len != 7 || memcmp(type, "memory", 7) != 0 || !fdt_node_enabled(fdt, n))
            continue;
        u64 base, size;
        for (size_t i = 0; fdt_reg(fdt, n, i, &base, &size) && m->ram_count < MACHINE_MAX_RAM; i++)
            machine_add_ram(m, base, size);
    }
}

/* Memory the firmware keeps (e.g. OpenSBI's): the DTB's memory reservation block and the
 * /reserved-memory nodes with a reg (dynamic ones, with only a size, reserve nothing). */
static void find_firmware_reserved(struct machine *m, const struct fdt *fdt)
{
    u64 base, size;
    for (size_t i = 0; fdt_mem_rsv(fdt, i, &base, &size); i++)
        machine_add_firmware_reserved(m, base, size);
    int rm = fdt_path_lookup(fdt, "/reserved-memory");
    for (int n = rm >= 0 ? fdt_first_child(fdt, rm) : -1; n >= 0; n = fdt_next_sibling(fdt, n))
        for (size_t i = 0; fdt_node_enabled(fdt, n) && fdt_reg(fdt, n, i, &base, &size); i++)
            machine_add_firmware_reserved(m, base, size);
}

static void find_cpus(struct machine *m, const struct fdt *fdt)
{
    int cpus = fdt_path_lookup(fdt, "/cpus");
    for (int c = cpus >= 0 ? fdt_first_child(fdt, cpus) : -1; c >= 0; c = fdt_next_sibling(fdt, c)) {
        size_t len;
        const char *type = fdt_prop(fdt, c, "device_type", &len);
        u64 hwid;
        if (type && strcmp(type, "cpu") == 0 && fdt_reg(fdt, c, 0, &hwid, NULL))
            machine_add_cpu(m, hwid);
    }
}

void machine_from_fdt(struct machine *m, const struct fdt *fdt, u64 dtb, u64 dtb_size)
{
    m->fdt = fdt;
    find_ram(m, fdt);
    find_firmware_reserved(m, fdt);
    machine_add_reserved(m, dtb, dtb_size);
    find_cpus(m, fdt);
    int chosen = fdt_path_lookup(fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(fdt, chosen, "bootargs") : NULL;
    m->cmdline = args ? args : ""; /* the DTB stays reserved, so the string stays valid */
}
