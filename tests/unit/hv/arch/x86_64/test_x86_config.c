/* x86_64's VM config rules (hv/arch/x86_64/vm_config_arch.c, with the generic parser and
 * validator): the in-tree x86 configs' shape validates, the console's I/O ports are not taken
 * for guest-physical addresses (they lie inside RAM at 0), and what this first step of the port
 * cannot run is refused with the field and line named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <hv/vm_config.h>
#include <lib/string.h>

struct report {
    char field[64];
    int line;
    char msg[256];
};
static struct report reports[32];
static size_t nreports;
static struct diag diag;

static void record(void *ctx, enum diag_level level, const char *file, int line, const char *field, const char *msg)
{
    (void)ctx, (void)file;
    if (level != DIAG_ERROR || nreports == 32)
        return;
    str_copy(reports[nreports].field, field ? field : "", sizeof(reports[0].field));
    reports[nreports].line = line;
    str_copy(reports[nreports].msg, msg, sizeof(reports[0].msg));
    nreports++;
}

static unsigned char arena[128 * 1024];
static struct vm_config cfg;

/* A q35-like host: 2 GiB of RAM at 0 (the hypervisor in its first 32 MiB), two CPUs. */
static const struct vm_host_info host = {
    .ram = {{{0x0}, 0x80000000}},
    .ram_count = 1,
    .reserved = {{{0x100000}, 0x2000000}},
    .reserved_count = 1,
    .cpu_hwid = {0x0, 0x1},
    .cpu_count = 2,
};

#define CONFIG(cpus, irq_mode, extra_kernel)                                                               \
    "[base]\nid = 1\nname = \"hello\"\nvm_type = 1\ncpu_num = " cpus "\n"           \
    "[kernel]\nentry_point = 0x20_0000\nimage_location = \"memory\"\nkernel_path = \"hello.bin\"\n"         \
    "kernel_load_addr = 0x20_0000\nmemory_regions = [[0x0, 0x100_0000, 0x7, 0]]\n" extra_kernel             \
    "[devices]\nemu_devices = [[\"com1\", 0x3f8, 8, 4, 0x2, []]]\npassthrough_devices = []\n"               \
    "interrupt_mode = \"" irq_mode "\"\n"

static int check(const char *text)
{
    nreports = 0;
    diag = (struct diag){.report = record};
    if (vm_config_parse(&cfg, "x86.toml", text, strlen(text), arena, sizeof(arena), &diag) != 0)
        return -2;
    return vm_config_validate(&cfg, &host, &diag);
}

static bool reported(const char *field, const char *text)
{
    for (size_t i = 0; i < nreports; i++)
        if (!strcmp(reports[i].field, field) && strstr(reports[i].msg, text))
            return true;
    return false;
}

static void test_hello_config_validates(void **state)
{
    (void)state;
    int rc = check(CONFIG("1", "no_irq", ""));
    for (size_t i = 0; i < nreports; i++)
        print_message("  %s:%d %s\n", reports[i].field, reports[i].line, reports[i].msg);
    assert_int_equal(rc, 0);
    assert_int_equal(nreports, 0);
}

static void test_refused_for_now(void **state)
{
    (void)state;
    assert_int_equal(check(CONFIG("1", "emu", "")), 0); /* a virtual local APIC */
    assert_int_equal(check(CONFIG("1", "passthrough", "")), -1);
    assert_true(reported("devices.interrupt_mode", "\"passthrough\" is not offered on x86_64 yet"));
    assert_int_equal(check(CONFIG("2", "no_irq", "")), -1);
    assert_true(reported("base.cpu_num", "2 vCPUs need interrupt_mode = \"emu\""));
    assert_int_equal(check(CONFIG("2", "emu", "")), 0);
    assert_int_equal(check(CONFIG("1", "no_irq", "dtb_load_addr = 0x10_0000\n")), -1);
    assert_true(reported("kernel.dtb_load_addr", "multiboot information, not a device tree"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_config_validates),
        cmocka_unit_test(test_refused_for_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
