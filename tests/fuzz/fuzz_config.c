/* libFuzzer target: arbitrary bytes through the whole config path the hypervisor runs at boot:
 * TOML parse, decode, validation against a fixed machine (its GIC, a small device tree, built-in
 * images), image placement, a two-VM set check
 * and vCPU placement. Reports go to a sink that only touches them, so formatting is exercised
 * (and checked by the sanitizers) without printing. */
#include <stddef.h>
#include <stdint.h>

#include <hv/vm_config.h>
#include <lib/fdt.h>
#include <lib/string.h>

/* Built-in images: present when the name is short, sized by it. */
static int image_size(void *ctx, const char *name, u64 *size)
{
    (void)ctx;
    size_t n = strlen(name);
    *size = (u64)n << 20;
    return n < 16 ? 0 : -1;
}

/* A small host device tree for the passthrough path checks: a UART and an RTC. */
static unsigned char host_dtb[1024];
static struct fdt host_fdt;

static void build_host_dtb(void)
{
    static const u32 uart_reg[] = {0, 0x09000000, 0, 0x1000}, rtc_reg[] = {0, 0x09010000, 0, 0x1000};
    struct fdt_writer w;
    fdt_writer_init(&w, host_dtb, sizeof(host_dtb));
    fdt_begin_node(&w, "");
    fdt_property_u32(&w, "#address-cells", 2);
    fdt_property_u32(&w, "#size-cells", 2);
    fdt_begin_node(&w, "pl011@9000000");
    fdt_property_cells(&w, "reg", uart_reg, 4);
    fdt_end_node(&w);
    fdt_begin_node(&w, "pl031@9010000");
    fdt_property_cells(&w, "reg", rtc_reg, 4);
    fdt_end_node(&w);
    fdt_end_node(&w);
    int size = fdt_writer_finish(&w);
    if (size < 0 || fdt_open(&host_fdt, host_dtb, (size_t)size) != 0)
        __builtin_trap();
}

/* QEMU virt-like: 2 GiB of RAM at 0x4000_0000, two CPUs, the hypervisor in the first 32 MiB. */
static struct vm_host_info host = {
    .ram = {{{0x40000000}, 0x80000000}},
    .ram_count = 1,
    .reserved = {{{0x40000000}, 0x2000000}},
    .reserved_count = 1,
    .cpu_hwid = {0x0, 0x1},
    .cpu_count = 2,
};

static unsigned char arena[64 * 1024];
static struct vm_config cfg, other;
static volatile size_t sink_bytes;

static void sink(void *ctx, enum diag_level level, const char *file, int line, const char *field,
                 const char *msg)
{
    (void)ctx, (void)level, (void)line;
    sink_bytes += strlen(file) + strlen(msg) + (field ? strlen(field) : 0);
}

/* A second, valid VM so the set check compares the input against real ranges. */
static const char other_text[] =
    "[base]\nid = 7\nname = \"other\"\ncpu_num = 1\n"
    "[kernel]\nentry_point = 0x8000_0000\nkernel_path = \"k\"\n"
    "kernel_load_addr = 0x8000_0000\n"
    "memory_regions = [[0x8000_0000, 0x100_0000, 0x7, 1]]\n"
    "[devices]\npassthrough_devices = [[\"uart\", 0x0900_0000, 0x0900_0000, 0x1000, 1]]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag diag = {.report = sink};
    static bool other_ok;
    if (!other_ok)
        other_ok = vm_config_parse(&other, "other.toml", other_text, sizeof(other_text) - 1, arena,
                                   sizeof(arena), &diag) == 0;

    if (!host.fdt) {
        build_host_dtb();
        host.fdt = &host_fdt;
        host.image_size = image_size;
    }
    host.arch.gic_version = size ? 2 + (data[size - 1] & 1) : 3; /* either host GIC */

    int rc = vm_config_parse(&cfg, "fuzz.toml", (const char *)data, size, arena, sizeof(arena), &diag);
    /* Validation must be safe on whatever decoding left behind, even after errors. */
    rc |= vm_config_validate(&cfg, &host, &diag);
    vm_config_check_image(&cfg, "kernel", cfg.kernel.load_gpa, 0x200000, &diag);
    vm_config_check_image(&cfg, "dtb", cfg.dtb.load_gpa, 0x10000, &diag);
    for (u32 v = 0; v <= VM_MAX_VCPUS; v++) {
        u64 mask = vm_config_vcpu_affinity(&cfg, &host, v);
        if (rc == 0 && v < cfg.cpu_num && mask == 0)
            __builtin_trap(); /* a valid config places every vCPU somewhere */
    }
    const struct vm_config *const set[] = {&other, &cfg};
    bool ok[] = {other_ok, rc == 0};
    vm_config_check_set(set, 2, ok, &diag);
    return 0;
}
