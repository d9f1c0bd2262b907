#include <arch/csr.h>
#include <arch/timer.h>
#include <base/arch_hooks.h>
#include <base/log.h>
#include <lib/string.h>

u64 boot_hartid; /* from the firmware in a0 (boot.S) */
extern u64 boot_handed_over_from; /* boot.S: hart id + 1 of the firmware's boot hart, if not this one */

u64 arch_boot_cpu_hwid(void) { return boot_hartid; }
const char *arch_name(void) { return "riscv64"; }

/* The boot hart's ISA string names the Sstc extension (stimecmp) when the CPU has it. */
static bool isa_has(const char *isa, const char *ext)
{
    size_t n = strlen(ext);
    for (const char *p = strchr(isa, '_'); p; p = strchr(p + 1, '_'))
        if (strncmp(p + 1, ext, n) == 0 && (p[1 + n] == '_' || p[1 + n] == '\0'))
            return true;
    return false;
}

int arch_boot_init(const struct fdt *fdt)
{
    int cpus = fdt_path_lookup(fdt, "/cpus");
    u32 hz;
    if (cpus < 0 || !fdt_prop_u32(fdt, cpus, "timebase-frequency", &hz) || hz == 0)
        return -1;
    riscv_timebase_hz = hz;
    u64 from = __atomic_load_n(&boot_handed_over_from, __ATOMIC_ACQUIRE);
    if (from)
        pr_info("boot: the firmware entered on hart %llu; booting on hart %llu, the lowest it starts, so that "
                "pCPU numbers follow hart ids", (unsigned long long)(from - 1), (unsigned long long)boot_hartid);
    for (int c = fdt_first_child(fdt, cpus); c >= 0; c = fdt_next_sibling(fdt, c)) {
        u64 hart;
        const char *isa = fdt_prop_string(fdt, c, "riscv,isa");
        if (isa && fdt_reg(fdt, c, 0, &hart, NULL) && hart == boot_hartid)
            riscv_has_sstc = isa_has(isa, "sstc");
    }
    return 0;
}

void arch_secondary_init(void) {}
