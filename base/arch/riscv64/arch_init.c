#include <arch/csr.h>
#include <arch/timer.h>
#include <base/arch_hooks.h>
#include <lib/string.h>

u64 boot_hartid; /* from the firmware in a0 (boot.S) */
u64 riscv_timebase_hz;
bool riscv_has_sstc;

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
    for (int c = fdt_first_child(fdt, cpus); c >= 0; c = fdt_next_sibling(fdt, c)) {
        u64 hart;
        const char *isa = fdt_prop_string(fdt, c, "riscv,isa");
        if (isa && fdt_reg(fdt, c, 0, &hart, NULL) && hart == boot_hartid)
            riscv_has_sstc = isa_has(isa, "sstc");
    }
    return 0;
}

void arch_secondary_init(void) {}
