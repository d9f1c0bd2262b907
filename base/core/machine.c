/* Building the machine description (<base/machine.h>), whatever describes the machine. */
#include <base/log.h>
#include <base/machine.h>

static bool add(struct mem_range *tab, size_t *count, size_t max, u64 base, u64 size, const char *what)
{
    if (!size)
        return true;
    if (*count == max) {
        pr_warn("machine: more than %zu %s ranges; %#llx+%#llx ignored", max, what, (unsigned long long)base,
                (unsigned long long)size);
        return false;
    }
    tab[(*count)++] = (struct mem_range){base, size};
    return true;
}

bool machine_add_ram(struct machine *m, u64 base, u64 size)
{
    return add(m->ram, &m->ram_count, MACHINE_MAX_RAM, base, size, "RAM");
}

bool machine_add_reserved(struct machine *m, u64 base, u64 size)
{
    return add(m->reserved, &m->reserved_count, MACHINE_MAX_RESERVED, base, size, "reserved");
}

void machine_add_firmware_reserved(struct machine *m, u64 base, u64 size)
{
    if (size > ~0ull - base)
        size = ~0ull - base;
    if (!add(m->firmware, &m->firmware_count, MACHINE_MAX_RESERVED, base, size, "firmware-reserved"))
        m->firmware_truncated = true;
}

bool machine_add_device(struct machine *m, u64 base, u64 size)
{
    for (size_t i = 0; i < m->device_count; i++)
        if (range_contains(m->devices[i].base, m->devices[i].size, base, size))
            return true;
    return add(m->devices, &m->device_count, MACHINE_MAX_DEVICES, base, size, "device");
}

void machine_add_cpu(struct machine *m, u64 hwid)
{
    if (m->cpu_count == MACHINE_MAX_CPUS)
        m->cpus_truncated = true;
    else
        m->cpu_hwid[m->cpu_count++] = hwid;
}
