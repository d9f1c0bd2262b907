/* riscv64 VM configs: an emulated device's interrupt (a virtio device's, a shared region's
 * doorbell) is a source of the VM's vPLIC, 1..95, not one of aarch64's SPIs; the errors name
 * the range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <string.h>

#include <hv/vm_config.h>

static char messages[16][256];
static char fields[16][64];
static int lines[16];
static unsigned count;

static void record(void *ctx, enum diag_level level, const char *file, int line, const char *field, const char *msg)
{
    (void)ctx, (void)file;
    if (level != DIAG_ERROR || count == 16)
        return;
    snprintf(messages[count], sizeof(messages[count]), "%s", msg);
    snprintf(fields[count], sizeof(fields[count]), "%s", field ? field : "");
    lines[count++] = line;
}

static bool has_error(const char *field, int line, const char *text)
{
    for (unsigned i = 0; i < count; i++)
        if (!strcmp(fields[i], field) && lines[i] == line && strstr(messages[i], text))
            return true;
    for (unsigned i = 0; i < count; i++)
        print_message("  %s:%d: %s\n", fields[i], lines[i], messages[i]);
    return false;
}

static unsigned char arena[64 * 1024];

/* QEMU virt: 1 GiB of RAM at 0x8000_0000, two harts, the hypervisor in its first 32 MiB. */
static const struct vm_host_info host = {
    .ram = {{{0x80000000}, 0x40000000}},
    .ram_count = 1,
    .reserved = {{{0x80000000}, 0x2000000}},
    .reserved_count = 1,
    .cpu_hwid = {0x0, 0x1},
    .cpu_count = 2,
    .ipa_limit = 1ull << 41,
};

static const char config[] = "[base]\n"
                             "id = 1\n"
                             "name = \"t\"\n"
                             "cpu_num = 1\n"
                             "[kernel]\n"
                             "entry_point = 0x8020_0000\n"
                             "kernel_path = \"k.bin\"\n"
                             "kernel_load_addr = 0x8020_0000\n"
                             "memory_regions = [[0x8000_0000, 0x100_0000, 0x7, 0]]\n"
                             "[devices]\n"
                             "interrupt_mode = \"emu\"\n"
                             "emu_devices = [\n"
                             "  [\"a\", 0x1000_1000, 0x200, 1, 0xE3, []],\n"  /* line 13: QEMU virt's first slot */
                             "  [\"b\", 0x1000_2000, 0x200, 95, 0xE2, []],\n" /* the PLIC's last source */
                             "  [\"c\", 0x1000_3000, 0x200, 96, 0xE3, []],\n" /* past it */
                             "  [\"d\", 0x1000_4000, 0x200, 0, 0xE3, []],\n"  /* 0: no interrupt */
                             "]\n"
                             "shmem_regions = [\n"
                             "  [\"r\", 0x9000_0000, 0x1000, 48],\n" /* line 19 */
                             "  [\"s\", 0x9100_0000, 0x1000, 0],\n"  /* no doorbell */
                             "  [\"u\", 0x9200_0000, 0x1000, 200],\n"
                             "]\n";

static void device_lines_are_plic_sources(void **state)
{
    (void)state;
    struct vm_config cfg;
    struct diag d = {.report = record};
    assert_int_equal(vm_config_parse(&cfg, "rv.toml", config, strlen(config), arena, sizeof(arena), &d), 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(vm_config_validate(&cfg, &host, &d), -1);
    assert_true(has_error("devices.emu_devices[2]", 15, "irq_id 96: a virtio device needs a PLIC source (1..95)"));
    assert_true(has_error("devices.emu_devices[3]", 16, "irq_id 0: a virtio device needs a PLIC source (1..95)"));
    assert_true(has_error("devices.shmem_regions[2]", 21, "irq_id 200: a doorbell needs a PLIC source (1..95), or 0"));
    assert_int_equal(d.errors, 3); /* sources 1, 95 and 48, and no doorbell, are fine */
}

/* interrupt_mode = "passthrough": the AIA's guest interrupt files, so only on a host that has
 * them; never beside a PLIC device of the VM. */
static const char pt_config[] = "[base]\n"
                                "id = 1\n"
                                "name = \"t\"\n"
                                "cpu_num = 1\n"
                                "phys_cpu_ids = [1]\n"
                                "[kernel]\n"
                                "entry_point = 0x8020_0000\n"
                                "kernel_path = \"k.bin\"\n"
                                "kernel_load_addr = 0x8020_0000\n"
                                "memory_regions = [[0x8000_0000, 0x100_0000, 0x7, 0]]\n"
                                "[devices]\n"
                                "interrupt_mode = \"passthrough\"\n" /* line 12 */
                                "emu_devices = [%s]\n";               /* line 13 */

static unsigned check_pt(bool aia, const char *emu)
{
    static char text[1024];
    snprintf(text, sizeof(text), pt_config, emu);
    struct vm_config cfg;
    struct diag d = {.report = record};
    count = 0;
    assert_int_equal(vm_config_parse(&cfg, "pt.toml", text, strlen(text), arena, sizeof(arena), &d), 0);
    struct vm_host_info h = host;
    h.arch.aia = aia;
    vm_config_validate(&cfg, &h, &d);
    return d.errors;
}

static void passthrough_needs_the_aia(void **state)
{
    (void)state;
    assert_int_equal(check_pt(true, ""), 0);
    assert_int_equal(check_pt(false, ""), 1);
    assert_true(has_error("devices.interrupt_mode", 12, "\"passthrough\" is not supported on riscv64 without the AIA"));
    assert_int_equal(check_pt(true, "[\"plic\", 0x0c00_0000, 0x40_0000, 0, 0x30, []]"), 1);
    assert_true(has_error("devices.emu_devices", 13, "a PLIC with interrupt_mode = \"passthrough\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_lines_are_plic_sources),
        cmocka_unit_test(passthrough_needs_the_aia),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
