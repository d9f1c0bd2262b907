/* x86_64's VM config rules (hv/arch/x86_64/vm_config_arch.c, with the generic parser and
 * validator): the in-tree x86 configs' shape validates, the console's I/O ports are not taken
 * for guest-physical addresses (they lie inside RAM at 0), the original's NimbOS config loads
 * unchanged (interrupt passthrough as its pCPU's own local APIC, the I/O APIC page left out, the
 * HPET page served by the virtual HPET, the boot-stub form), the passthrough write checks of
 * lapic_pt_check.c, and what the port cannot run is refused with the field and line named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arch/lapic_pt.h>
#include <hv/vm_config.h>
#include <lib/string.h>

struct report {
    char field[64];
    int line;
    char msg[256];
};
static struct report reports[32], warnings[32];
static size_t nreports, nwarnings;
static struct diag diag;

static void record(void *ctx, enum diag_level level, const char *file, int line, const char *field, const char *msg)
{
    (void)ctx, (void)file;
    if (level == DIAG_WARN && nwarnings < 32) {
        str_copy(warnings[nwarnings].field, field ? field : "", sizeof(warnings[0].field));
        warnings[nwarnings].line = line;
        str_copy(warnings[nwarnings++].msg, msg, sizeof(warnings[0].msg));
    }
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
    nreports = nwarnings = 0;
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

static bool warned(const char *field, const char *text)
{
    for (size_t i = 0; i < nwarnings; i++)
        if (!strcmp(warnings[i].field, field) && strstr(warnings[i].msg, text))
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

/* axvisor's configs/vms/nimbos-x86_64.toml as it is (comments left out), with REFERENCE.md's
 * phys_cpu_sets [1] and interrupt_mode "passthrough": it loads unchanged, with warnings for the
 * pages that are not passed through as they are. */
static const char nimbos_original[] =
    "[base]\nid = 1\nname = \"nimbos\"\nvm_type = 1\ncpu_num = 1\nphys_cpu_sets = [1]\n"
    "[kernel]\nentry_point = 0x8000\nimage_location = \"memory\"\nkernel_path = \"nimbos.bin\"\n"
    "kernel_load_addr = 0x20_0000\nbios_path = \"axvm-bios.bin\"\nbios_load_addr = 0x8000\n"
    "memory_regions = [\n    [0x0000_0000, 0x100_0000, 0x7, 0], # Low RAM\t\t16M\t0b111   R|W|EXECUTE\n]\n"
    "[devices]\ninterrupt_mode = \"passthrough\"\nemu_devices = []\npassthrough_devices = [\n"
    "    [\n        \"IO APIC\",\n        0xfec0_0000,\n        0xfec0_0000,\n        0x1000,\n        0x1,\n    ],\n"
    "    [\n        \"Local APIC\",\n        0xfee0_0000,\n        0xfee0_0000,\n        0x1000,\n        0x1,\n    ],\n"
    "    [\n        \"HPET\",\n        0xfed0_0000,\n        0xfed0_0000,\n        0x1000,\n        0x1,\n    ],\n"
    "]\n";

static void test_original_nimbos_config_loads(void **state)
{
    (void)state;
    int rc = check(nimbos_original);
    for (size_t i = 0; i < nreports; i++)
        print_message("  %s:%d %s\n", reports[i].field, reports[i].line, reports[i].msg);
    assert_int_equal(rc, 0);
    assert_true(cfg.bios.present && cfg.bios.load_gpa.val == 0x8000 && cfg.entry_point.val == 0x8000);
    /* phys_cpu_sets [1]: pCPU 0, which takes the machine's device interrupts: run as "emu" */
    assert_true(vm_x86_boot_stub(&cfg) && vm_x86_virtual_apics(&cfg) && !vm_x86_lapic_passthrough(&cfg));
    assert_true(warned("devices.interrupt_mode", "\"passthrough\" runs as \"emu\" on pCPU 0"));
    assert_true(warned("devices.passthrough_devices[0]", "'IO APIC' [0xfec00000, 0xfec01000) is served by the "
                                                          "VM's virtual I/O APIC"));
    assert_true(warned("devices.passthrough_devices[1]", "served by the VM's virtual local APIC"));
    assert_true(warned("devices.passthrough_devices[2]", "'HPET' [0xfed00000, 0xfed01000) is served by the VM's "
                                                          "virtual HPET"));
    assert_string_equal(vm_arch_pt_served(&cfg, 0xfee00000, 0xfee00000, 0x1000), "virtual local APIC");
    assert_null(vm_arch_pt_served(&cfg, 0x10000000, 0xfee00000, 0x1000)); /* elsewhere: the real one */
    assert_null(vm_arch_pt_served(&cfg, 0xfed00000, 0xfed00000, 0x2000)); /* not the page */
}

/* The same config on pCPU 1 (phys_cpu_sets [2], or APIC id 1): its vCPU drives that pCPU's local
 * APIC; the I/O APIC page is left out, the HPET page is the virtual HPET's. */
static void test_nimbos_config_on_another_pcpu_passes_the_local_apic(void **state)
{
    (void)state;
    static char text[sizeof(nimbos_original) + 8];
    const char *at = strstr(nimbos_original, "phys_cpu_sets = [1]");
    assert_non_null(at);
    size_t head = (size_t)(at - nimbos_original);
    memcpy(text, nimbos_original, sizeof(nimbos_original));
    text[head + strlen("phys_cpu_sets = [")] = '2';
    assert_int_equal(check(text), 0);
    assert_true(vm_x86_lapic_passthrough(&cfg) && !vm_x86_virtual_apics(&cfg));
    assert_false(warned("devices.interrupt_mode", "runs as"));
    assert_true(warned("devices.passthrough_devices[0]", "'IO APIC' [0xfec00000, 0xfec01000) is served by the "
                                                          "VM's local APIC alone (no I/O APIC"));
    assert_true(warned("devices.passthrough_devices[1]", "served by the VM's own pCPU's local APIC (read directly, "
                                                          "written through cvisor's checks)"));
    assert_true(warned("devices.passthrough_devices[2]", "served by the VM's virtual HPET"));
}

/* The boot-stub form: a real-mode start on a page of RAM below 1 MiB, away from the kernel;
 * bios_path at entry_point. */
#define STUB_CONFIG(entry, kernel, bios)                                                                   \
    "[base]\nid = 1\nname = \"n\"\nvm_type = 1\ncpu_num = 1\n"                                            \
    "[kernel]\nentry_point = " entry "\nimage_location = \"memory\"\nkernel_path = \"hello.bin\"\n"          \
    "kernel_load_addr = " kernel "\n" bios "memory_regions = [[0x0, 0x100_0000, 0x7, 0]]\n"                  \
    "[devices]\nemu_devices = []\npassthrough_devices = []\ninterrupt_mode = \"passthrough\"\n"

static void test_boot_stub_form(void **state)
{
    (void)state;
    assert_int_equal(check(STUB_CONFIG("0x8000", "0x20_0000", "")), 0); /* cvisor's own stub */
    assert_int_equal(check(STUB_CONFIG("0x8010", "0x20_0000", "")), -1);
    assert_true(reported("kernel.entry_point", "must be a 4 KiB page from 0x1000 on"));
    assert_int_equal(check(STUB_CONFIG("0x8000", "0x8800", "")), -1);
    assert_true(reported("kernel.entry_point", "overlaps the kernel at 0x8800"));
    assert_int_equal(check(STUB_CONFIG("0x8000", "0x20_0000", "bios_path = \"hello.bin\"\nbios_load_addr = 0x9000\n")), -1);
    assert_true(reported("kernel.bios_load_addr", "must be loaded at entry_point 0x8000"));
    assert_int_equal(check(STUB_CONFIG("0x20_0000", "0x20_0000", "bios_path = \"hello.bin\"\nbios_load_addr = 0x8000\n")), -1);
    assert_true(reported("kernel.bios_path", "a boot stub runs at entry_point"));
}

static void test_refused_for_now(void **state)
{
    (void)state;
    assert_int_equal(check(CONFIG("1", "emu", "")), 0); /* a virtual local APIC */
    assert_int_equal(check(CONFIG("1", "passthrough", "")), 0); /* vCPU 0 on pCPU 0: as "emu" */
    assert_true(warned("devices.interrupt_mode", "runs as \"emu\" on pCPU 0"));
    /* its pCPUs are its own, and one must stay the hypervisor's; one vCPU only */
    assert_int_equal(check(CONFIG("2", "passthrough", "")), -1);
    assert_true(reported("devices.interrupt_mode", "would take all 2 pCPUs of this machine"));
    /* on pCPU 1, one vCPU only: it drives that pCPU's local APIC, a second one would have none */
    assert_int_equal(check("[base]\nid = 1\nname = \"h\"\nvm_type = 1\ncpu_num = 2\nphys_cpu_sets = [2, 2]\n"
                           "[kernel]\nentry_point = 0x20_0000\nimage_location = \"memory\"\nkernel_path = \"hello.bin\"\n"
                           "kernel_load_addr = 0x20_0000\nmemory_regions = [[0x0, 0x100_0000, 0x7, 0]]\n"
                           "[devices]\nemu_devices = []\npassthrough_devices = []\ninterrupt_mode = \"passthrough\"\n"),
                     -1);
    assert_true(reported("base.cpu_num", "\"passthrough\" gives one vCPU its pCPU's local APIC"));
    assert_int_equal(check(CONFIG("2", "no_irq", "")), -1);
    assert_true(reported("base.cpu_num", "2 vCPUs need interrupt_mode = \"emu\""));
    assert_int_equal(check(CONFIG("2", "emu", "")), 0);
    assert_int_equal(check(CONFIG("1", "no_irq", "dtb_load_addr = 0x10_0000\n")), -1);
    assert_true(reported("kernel.dtb_load_addr", "multiboot information, not a device tree"));
}

/* What a passthrough guest's APIC writes may do: the registers that act on its own CPU only go
 * through; the ICR only for fixed IPIs to itself; no LVT or IPI with SMI, NMI, INIT, startup or
 * ExtINT delivery, nor a vector below 32 (the host would take it as an exception). */
static void test_lapic_pt_write_checks(void **state)
{
    (void)state;
    const char *why;
    const u32 me = 1;
    /* EOI, TPR, LDR, DFR, ESR, the timer's counts and divider */
    static const u32 plain[] = {0xb0, 0x80, 0xd0, 0xe0, 0x280, 0x380, 0x3e0};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        assert_int_equal(lapic_pt_check(plain[i], 0xffffffffu, 0, me, &why), LAPIC_PT_WRITE);
    /* ID, version, PPR, ISR/TMR/IRR, current count: read-only, the write goes nowhere */
    static const u32 ro[] = {0x20, 0x30, 0xa0, 0x100, 0x170, 0x180, 0x200, 0x270, 0x390};
    for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
        assert_int_equal(lapic_pt_check(ro[i], 0xffffffffu, 0, me, &why), LAPIC_PT_IGNORE);
    assert_int_equal(lapic_pt_check(0xf0, 0x1ff, 0, me, &why), LAPIC_PT_WRITE); /* SVR, spurious 0xff */
    assert_int_equal(lapic_pt_check(0xf0, 0x10f, 0, me, &why), LAPIC_PT_REFUSE);
    /* LVTs: timer (periodic), thermal, performance, LINT0, LINT1, error, CMCI */
    static const u32 lvt[] = {0x320, 0x330, 0x340, 0x350, 0x360, 0x370, 0x2f0};
    for (size_t i = 0; i < sizeof(lvt) / sizeof(lvt[0]); i++) {
        assert_int_equal(lapic_pt_check(lvt[i], 0x20031, 0, me, &why), LAPIC_PT_WRITE);
        assert_int_equal(lapic_pt_check(lvt[i], 0x10000 | 0x700, 0, me, &why), LAPIC_PT_WRITE); /* masked */
        assert_int_equal(lapic_pt_check(lvt[i], 0x400, 0, me, &why), LAPIC_PT_REFUSE);            /* NMI */
        assert_string_equal(why, "an LVT entry with other than fixed delivery (SMI, NMI, INIT, ExtINT)");
        assert_int_equal(lapic_pt_check(lvt[i], 0x700, 0, me, &why), LAPIC_PT_REFUSE);            /* ExtINT */
        assert_int_equal(lapic_pt_check(lvt[i], 0x0e, 0, me, &why), LAPIC_PT_REFUSE);             /* vector 14 */
        assert_string_equal(why, "an LVT vector below 32");
    }
    /* ICR: the high half is kept; a fixed IPI to itself (shorthand or its APIC id) is sent */
    assert_int_equal(lapic_pt_check(0x310, 0x01000000, 0, me, &why), LAPIC_PT_ICR_HIGH);
    assert_int_equal(lapic_pt_check(0x300, 0x40031, 0, me, &why), LAPIC_PT_SEND_IPI);        /* self */
    assert_int_equal(lapic_pt_check(0x300, 0x31, 0x01000000, me, &why), LAPIC_PT_SEND_IPI);  /* APIC id 1 */
    assert_int_equal(lapic_pt_check(0x300, 0x31, 0x00000000, me, &why), LAPIC_PT_REFUSE);    /* APIC id 0 */
    assert_string_equal(why, "an IPI to another CPU than the VM's own");
    assert_int_equal(lapic_pt_check(0x300, 0x831, 0x01000000, me, &why), LAPIC_PT_REFUSE);   /* logical */
    assert_int_equal(lapic_pt_check(0x300, 0x80031, 0, me, &why), LAPIC_PT_REFUSE);          /* all */
    assert_int_equal(lapic_pt_check(0x300, 0xc0031, 0, me, &why), LAPIC_PT_REFUSE);          /* all but self */
    assert_string_equal(why, "an IPI to all CPUs (broadcast shorthand): the others are not the VM's");
    assert_int_equal(lapic_pt_check(0x300, 0x4500, 0, me, &why), LAPIC_PT_REFUSE);           /* INIT */
    assert_string_equal(why, "an IPI with other than fixed delivery (INIT, startup, NMI, SMI, lowest priority)");
    assert_int_equal(lapic_pt_check(0x300, 0x4608, 0x01000000, me, &why), LAPIC_PT_REFUSE);  /* startup */
    assert_int_equal(lapic_pt_check(0x300, 0x40400, 0, me, &why), LAPIC_PT_REFUSE);          /* NMI to self */
    assert_int_equal(lapic_pt_check(0x300, 0x40100 | 0x31, 0, me, &why), LAPIC_PT_REFUSE);   /* lowest prio */
    assert_int_equal(lapic_pt_check(0x300, 0x40002, 0, me, &why), LAPIC_PT_REFUSE);          /* vector 2 */
    assert_string_equal(why, "an IPI vector below 32");
    assert_int_equal(lapic_pt_check(0x300, 0xffffffffu, 0xffffffffu, me, &why), LAPIC_PT_REFUSE);
    /* A periodic timer's least count: 100 us of the divided clock (QEMU's 1 GHz input) */
    assert_int_equal(lapic_pt_min_periodic_count(0xb, 1000000000ull), 100000); /* divide by 1 */
    assert_int_equal(lapic_pt_min_periodic_count(0x3, 1000000000ull), 6250);   /* by 16 */
    assert_int_equal(lapic_pt_min_periodic_count(0x0, 1000000000ull), 50000);  /* by 2 */
    assert_int_equal(lapic_pt_min_periodic_count(0xa, 1000000000ull), 781);    /* by 128 */
    assert_int_equal(lapic_pt_min_periodic_count(0xffffffffu, 1000000000ull), 100000); /* all ones: by 1 */
    assert_int_equal(lapic_pt_min_periodic_count(0xa, 1000), 1);                /* never 0 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_config_validates),
        cmocka_unit_test(test_refused_for_now),
        cmocka_unit_test(test_lapic_pt_write_checks),
        cmocka_unit_test(test_nimbos_config_on_another_pcpu_passes_the_local_apic),
        cmocka_unit_test(test_original_nimbos_config_loads),
        cmocka_unit_test(test_boot_stub_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
