/* riscv64 guest device trees: /cpus as vm_fdt_generate writes it (timebase, hart ids, riscv,isa
 * with and without Sstc and never with h, mmu-type, one cpu-intc per hart, phandles unique and the
 * root's interrupt-parent the boot hart's), what is refused (duplicate or too large hart ids, no
 * timebase, a UART), and vm_fdt_patch replacing a user's /cpus while keeping the rest. Every tree
 * is decompiled by dtc without a warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <hv/vm_fdt.h>
#include <lib/fdt.h>
#include <lib/string.h>
#include <lib/types.h>

#define BUF_CAP (64 * 1024)

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

static void temp_path(char *path, size_t size, const char *tag)
{
    snprintf(path, size, "/tmp/test_rv_vm_fdt_%s_XXXXXX", tag);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static size_t read_file(const char *path, u8 *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

static void assert_dtc_clean(const void *dtb, int n)
{
    char in[64], err[64], cmd[256];
    static u8 msg[4096];
    assert_true(n > 0);
    temp_path(in, sizeof(in), "out");
    temp_path(err, sizeof(err), "err");
    write_file(in, dtb, (size_t)n);
    snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o /dev/null %s 2>%s", in, err);
    int rc = system(cmd);
    size_t m = read_file(err, msg, sizeof(msg) - 1);
    msg[m] = 0;
    unlink(in);
    unlink(err);
    if (rc != 0 || m != 0)
        fail_msg("dtc: rc %d, stderr:\n%s", rc, (const char *)msg);
}

static size_t compile_dts(const char *dts, u8 *out, size_t cap)
{
    char in[64], dtb[64], cmd[256];
    temp_path(in, sizeof(in), "dts");
    temp_path(dtb, sizeof(dtb), "dtb");
    write_file(in, dts, strlen(dts));
    snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s %s", dtb, in);
    assert_int_equal(system(cmd), 0);
    size_t n = read_file(dtb, out, cap);
    unlink(in);
    unlink(dtb);
    return n;
}

static struct vm_fdt_params params(u32 cpus, bool sstc)
{
    struct vm_fdt_params p;
    memset(&p, 0, sizeof(p));
    p.mem[0].base = 0x80000000;
    p.mem[0].size = 0x1000000;
    p.mem_count = 1;
    p.cpu_count = cpus;
    for (u32 i = 0; i < cpus; i++)
        p.cpu_hwid[i] = i;
    p.arch.timebase_hz = 10000000;
    p.arch.sstc = sstc;
    p.bootargs = "console=hvc0";
    return p;
}

/* The tree of p with QEMU virt's NS16550 (0x1000_0000, source 10), dtc-clean, opened in f. */
static void generate_with_uart(struct vm_fdt_params *p, u8 *buf, size_t cap, struct fdt *f)
{
    p->has_uart = true;
    p->uart_base = 0x10000000;
    p->uart_irq = 10;
    int n = vm_fdt_generate(p, buf, cap);
    assert_true(n > 0);
    assert_dtc_clean(buf, n);
    assert_int_equal(fdt_open(f, buf, (size_t)n), 0);
}

static u32 be32_at(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }

static int node(const struct fdt *f, const char *path)
{
    int n = fdt_path_lookup(f, path);
    if (n < 0)
        fail_msg("no node %s", path);
    return n;
}

static u32 prop_u32(const struct fdt *f, int n, const char *name)
{
    u32 v = 0;
    if (!fdt_prop_u32(f, n, name, &v))
        fail_msg("no u32 property %s", name);
    return v;
}

static const char *prop_str(const struct fdt *f, int n, const char *name)
{
    const char *s = fdt_prop_string(f, n, name);
    if (!s)
        fail_msg("no string property %s", name);
    return s;
}

#define ISA "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs"

/* Returns the harts' interrupt-controller phandles in phandles (8 at most). */
static void check_cpus_phandles(const struct fdt *f, u32 cpus, bool sstc, u32 *phandles)
{
    int c = node(f, "/cpus");
    assert_int_equal(prop_u32(f, c, "timebase-frequency"), 10000000);
    assert_int_equal(prop_u32(f, c, "#address-cells"), 1);
    assert_int_equal(prop_u32(f, c, "#size-cells"), 0);
    for (u32 i = 0; i < cpus; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/cpus/cpu@%x", i);
        int n = node(f, path);
        assert_int_equal(prop_u32(f, n, "reg"), i);
        assert_string_equal(prop_str(f, n, "device_type"), "cpu");
        assert_string_equal(prop_str(f, n, "riscv,isa"), sstc ? ISA "_sstc" : ISA);
        const char *isa = prop_str(f, n, "riscv,isa"); /* no H among the single-letter extensions */
        for (const char *q = isa + 4; *q && *q != '_'; q++)
            assert_int_not_equal(*q, 'h');
        assert_string_equal(prop_str(f, n, "mmu-type"), "riscv,sv39");
        snprintf(path, sizeof(path), "/cpus/cpu@%x/interrupt-controller", i);
        int ic = node(f, path);
        assert_string_equal(prop_str(f, ic, "compatible"), "riscv,cpu-intc");
        assert_int_equal(prop_u32(f, ic, "#interrupt-cells"), 1);
        phandles[i] = prop_u32(f, ic, "phandle");
        for (u32 j = 0; j < i; j++)
            assert_int_not_equal(phandles[i], phandles[j]);
    }
}

static void check_cpus(const struct fdt *f, u32 cpus, bool sstc)
{
    u32 phandles[8];
    check_cpus_phandles(f, cpus, sstc, phandles);
    /* without a PLIC, the root's interrupt-parent is the boot hart's controller */
    assert_int_equal(prop_u32(f, node(f, "/"), "interrupt-parent"), phandles[0]);
}

static void generate_one_and_four_harts(void **state)
{
    (void)state;
    static u8 buf[BUF_CAP];
    for (u32 cpus = 1; cpus <= 4; cpus += 3) {
        for (int sstc = 0; sstc < 2; sstc++) {
            struct vm_fdt_params p = params(cpus, sstc);
            int n = vm_fdt_generate(&p, buf, sizeof(buf));
            assert_true(n > 0);
            assert_dtc_clean(buf, n);
            struct fdt f;
            assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
            check_cpus(&f, cpus, sstc);
            assert_string_equal(prop_str(&f, node(&f, "/chosen"), "bootargs"), "console=hvc0");
            assert_true(fdt_path_lookup(&f, "/memory@80000000") >= 0);
            assert_true(fdt_path_lookup(&f, "/psci") < 0); /* SBI needs no node */
        }
    }
}

static void refused(void **state)
{
    (void)state;
    static u8 buf[BUF_CAP];
    struct vm_fdt_params p = params(2, true);
    p.cpu_hwid[1] = 0; /* two harts with one id */
    assert_int_equal(vm_fdt_generate(&p, buf, sizeof(buf)), -1);
    p = params(2, true);
    p.cpu_hwid[1] = 1ull << 32; /* does not fit /cpus' one address cell */
    assert_int_equal(vm_fdt_generate(&p, buf, sizeof(buf)), -1);
    p = params(1, true);
    p.arch.timebase_hz = 0;
    assert_int_equal(vm_fdt_generate(&p, buf, sizeof(buf)), -1);
}

/* The emulated NS16550 of a VM without a PLIC: a serial node with no interrupt (Linux polls it),
 * and stdout-path to it. */
static void console_uart(void **state)
{
    (void)state;
    static u8 buf[BUF_CAP];
    struct vm_fdt_params p = params(1, true);
    struct fdt f;
    generate_with_uart(&p, buf, sizeof(buf), &f); /* (its source 10: nothing to deliver it through) */
    int uart = node(&f, "/serial@10000000");
    assert_string_equal(prop_str(&f, uart, "compatible"), "ns16550a");
    assert_null(fdt_prop(&f, uart, "interrupts", NULL));
    assert_string_equal(prop_str(&f, node(&f, "/chosen"), "stdout-path"), "/serial@10000000");
}

/* A VM with a PLIC: the node Linux's irq-sifive-plic probes (two contexts per hart, M then S, in
 * interrupts-extended), the root's interrupt-parent, and the UART's source. */
static void plic_and_uart_interrupt(void **state)
{
    (void)state;
    static u8 buf[BUF_CAP];
    for (u32 cpus = 1; cpus <= 4; cpus += 3) {
        struct vm_fdt_params p = params(cpus, true);
        p.arch.plic_base = 0xc000000;
        p.arch.plic_size = 0x200000 + 0x1000 * 2 * cpus;
        struct fdt f;
        generate_with_uart(&p, buf, sizeof(buf), &f);
        u32 intc[8];
        check_cpus_phandles(&f, cpus, true, intc);
        int plic = node(&f, "/plic@c000000");
        size_t len = 0;
        const u8 *compat = fdt_prop(&f, plic, "compatible", &len);
        assert_non_null(compat);
        assert_int_equal(len, sizeof("sifive,plic-1.0.0") + sizeof("riscv,plic0"));
        assert_memory_equal(compat, "sifive,plic-1.0.0\0riscv,plic0", len);
        assert_non_null(fdt_prop(&f, plic, "interrupt-controller", NULL));
        assert_int_equal(prop_u32(&f, plic, "#interrupt-cells"), 1);
        assert_int_equal(prop_u32(&f, plic, "riscv,ndev"), 95);
        u32 ph = prop_u32(&f, plic, "phandle");
        assert_int_equal(prop_u32(&f, node(&f, "/"), "interrupt-parent"), ph);
        const u8 *reg = fdt_prop(&f, plic, "reg", &len);
        assert_int_equal(len, 16);
        assert_int_equal(be32_at(reg + 4), 0xc000000);
        assert_int_equal(be32_at(reg + 12), 0x200000 + 0x1000 * 2 * cpus);
        const u8 *ext = fdt_prop(&f, plic, "interrupts-extended", &len);
        assert_int_equal(len, 16 * cpus);
        for (u32 i = 0; i < cpus; i++) {
            assert_int_not_equal(intc[i], ph);
            assert_int_equal(be32_at(ext + 16 * i), intc[i]);
            assert_int_equal(be32_at(ext + 16 * i + 4), 11); /* M-mode external: context 2i */
            assert_int_equal(be32_at(ext + 16 * i + 8), intc[i]);
            assert_int_equal(be32_at(ext + 16 * i + 12), 9); /* S-mode external: context 2i+1 */
        }
        assert_int_equal(prop_u32(&f, node(&f, "/serial@10000000"), "interrupts"), 10);
    }
    /* a UART interrupt the PLIC does not have is left out; a PLIC window that wraps is refused */
    struct vm_fdt_params p = params(1, true);
    p.arch.plic_base = 0xc000000;
    p.arch.plic_size = 0x202000;
    p.has_uart = true;
    p.uart_base = 0x10000000;
    p.uart_irq = 96;
    int n = vm_fdt_generate(&p, buf, sizeof(buf));
    assert_true(n > 0);
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    assert_null(fdt_prop(&f, node(&f, "/serial@10000000"), "interrupts", NULL));
    p.arch.plic_base = ~0xfffull;
    assert_int_equal(vm_fdt_generate(&p, buf, sizeof(buf)), -1);
}

/* A VM with guest interrupt files (interrupt passthrough on an AIA host): a riscv,imsics node at
 * phandle 1 (the root's interrupt-parent), a page per hart, each hart's S-mode external
 * interrupt, its identities; no PLIC, and the UART without an interrupt. A window that wraps is
 * refused. */
static void imsic_node(void **state)
{
    (void)state;
    static u8 buf[BUF_CAP];
    for (u32 cpus = 1; cpus <= 4; cpus += 3) {
        struct vm_fdt_params p = params(cpus, true);
        p.arch.imsic_base = 0x28000000;
        p.arch.imsic_ids = 63;
        struct fdt f;
        generate_with_uart(&p, buf, sizeof(buf), &f);
        u32 intc[8];
        check_cpus_phandles(&f, cpus, true, intc);
        int imsic = node(&f, "/imsics@28000000");
        assert_string_equal(prop_str(&f, imsic, "compatible"), "riscv,imsics");
        assert_non_null(fdt_prop(&f, imsic, "interrupt-controller", NULL));
        assert_non_null(fdt_prop(&f, imsic, "msi-controller", NULL));
        assert_int_equal(prop_u32(&f, imsic, "#interrupt-cells"), 0);
        assert_int_equal(prop_u32(&f, imsic, "riscv,num-ids"), 63);
        u32 ph = prop_u32(&f, imsic, "phandle");
        assert_int_equal(prop_u32(&f, node(&f, "/"), "interrupt-parent"), ph);
        size_t len = 0;
        const u8 *reg = fdt_prop(&f, imsic, "reg", &len);
        assert_int_equal(len, 16);
        assert_int_equal(be32_at(reg + 4), 0x28000000);
        assert_int_equal(be32_at(reg + 12), 0x1000 * cpus);
        const u8 *ext = fdt_prop(&f, imsic, "interrupts-extended", &len);
        assert_int_equal(len, 8 * cpus);
        for (u32 i = 0; i < cpus; i++) {
            assert_int_not_equal(intc[i], ph);
            assert_int_equal(be32_at(ext + 8 * i), intc[i]);
            assert_int_equal(be32_at(ext + 8 * i + 4), 9); /* hart index i: its S-mode external */
        }
        assert_int_equal(fdt_find_compatible(&f, -1, "riscv,plic0"), -1);
        assert_null(fdt_prop(&f, node(&f, "/serial@10000000"), "interrupts", NULL));
    }
    struct vm_fdt_params p = params(2, true);
    p.arch.imsic_base = ~0xfffull;
    p.arch.imsic_ids = 63;
    assert_int_equal(vm_fdt_generate(&p, buf, sizeof(buf)), -1);
}

/* virtio-mmio transports and a shared region's doorbell: a PLIC source each, with the PLIC named
 * as their interrupt parent; without a PLIC, no interrupt at all (the hart's own controller
 * numbers mean its software, timer and external interrupts: a driver polls instead). */
static void virtio_and_doorbell_interrupts(void **state)
{
    (void)state;
    static u8 buf[BUF_CAP];
    for (int with_plic = 1; with_plic >= 0; with_plic--) {
        struct vm_fdt_params p = params(2, true);
        if (with_plic) {
            p.arch.plic_base = 0xc000000;
            p.arch.plic_size = 0x204000;
        }
        p.virtio[0].base = 0x10001000;
        p.virtio[0].size = 0x200;
        p.virtio[0].irq = 1;
        p.virtio[1].base = 0x10002000;
        p.virtio[1].size = 0x200;
        p.virtio[1].irq = 95;
        p.virtio_count = 2;
        p.shmem[0].base = 0x90000000;
        p.shmem[0].size = 0x1000;
        p.shmem[0].irq = 20;
        p.shmem[0].name = "ring";
        p.shmem_count = 1;
        int n = vm_fdt_generate(&p, buf, sizeof(buf));
        assert_true(n > 0);
        assert_dtc_clean(buf, n);
        struct fdt f;
        assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
        static const char *const paths[] = {"/virtio_mmio@10001000", "/virtio_mmio@10002000", "/shmem@90000000"};
        static const u32 irqs[] = {1, 95, 20};
        for (int i = 0; i < 3; i++) {
            int dev = node(&f, paths[i]);
            if (i < 2) {
                assert_string_equal(prop_str(&f, dev, "compatible"), "virtio,mmio");
                u64 base = 0, size = 0;
                assert_true(fdt_reg(&f, dev, 0, &base, &size));
                assert_true(base == p.virtio[i].base && size == 0x200);
            }
            if (with_plic) {
                assert_int_equal(prop_u32(&f, dev, "interrupts"), irqs[i]);
                assert_int_equal(prop_u32(&f, dev, "interrupt-parent"),
                                 prop_u32(&f, node(&f, "/plic@c000000"), "phandle"));
            } else {
                assert_null(fdt_prop(&f, dev, "interrupts", NULL));
                assert_null(fdt_prop(&f, dev, "interrupt-parent", NULL));
            }
        }
    }
    /* a source the PLIC does not have is refused */
    struct vm_fdt_params p = params(1, true);
    p.arch.plic_base = 0xc000000;
    p.arch.plic_size = 0x202000;
    p.virtio[0].base = 0x10001000;
    p.virtio[0].size = 0x200;
    p.virtio[0].irq = 96;
    p.virtio_count = 1;
    assert_int_equal(vm_fdt_generate(&p, buf, sizeof(buf)), -1);
    p.virtio[0].irq = 0;
    assert_int_equal(vm_fdt_generate(&p, buf, sizeof(buf)), -1);
}

/* A host device below a bus that maps its addresses 1:1 (an empty ranges, as QEMU riscv virt's
 * /soc) is copied as a root child with its reg as is and the VM's PLIC as its interrupt parent;
 * one below a bus that translates addresses is not (its reg would need the translation). */
static const char host_dts[] = "/dts-v1/;\n"
                               "/ { #address-cells = <2>; #size-cells = <2>;\n"
                               "  soc { #address-cells = <2>; #size-cells = <2>; compatible = \"simple-bus\"; ranges;\n"
                               "    plic: plic@c000000 { #interrupt-cells = <1>; interrupt-controller;\n"
                               "      reg = <0 0xc000000 0 0x600000>; };\n"
                               "    rtc@101000 { compatible = \"google,goldfish-rtc\"; reg = <0 0x101000 0 0x1000>;\n"
                               "      interrupts = <11>; interrupt-parent = <&plic>; };\n"
                               "  };\n"
                               "  bus { #address-cells = <2>; #size-cells = <2>; ranges = <0 0 0 0x20000000 0 0x100000>;\n"
                               "    dev@0 { reg = <0 0 0 0x1000>; };\n"
                               "  };\n"
                               "};\n";

static void host_device_below_identity_bus(void **state)
{
    (void)state;
    static u8 host_blob[BUF_CAP], buf[BUF_CAP];
    size_t hn = compile_dts(host_dts, host_blob, sizeof(host_blob));
    struct fdt host;
    assert_int_equal(fdt_open(&host, host_blob, hn), 0);
    int nodes[2] = {fdt_path_lookup(&host, "/soc/rtc@101000"), fdt_path_lookup(&host, "/bus/dev@0")};
    assert_true(nodes[0] >= 0 && nodes[1] >= 0);
    struct vm_fdt_params p = params(1, true);
    p.arch.plic_base = 0xc000000;
    p.arch.plic_size = 0x202000;
    p.host = &host;
    p.host_nodes = nodes;
    p.host_node_count = 2;
    assert_int_equal(vm_fdt_host_nodes_copyable(&p), 1);
    int n = vm_fdt_generate(&p, buf, sizeof(buf));
    assert_true(n > 0);
    assert_dtc_clean(buf, n);
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    int rtc = node(&f, "/rtc@101000");
    u64 base = 0, size = 0;
    assert_true(fdt_reg(&f, rtc, 0, &base, &size));
    assert_true(base == 0x101000 && size == 0x1000);
    assert_int_equal(prop_u32(&f, rtc, "interrupts"), 11);
    assert_int_equal(prop_u32(&f, rtc, "interrupt-parent"), prop_u32(&f, node(&f, "/plic@c000000"), "phandle"));
    assert_true(fdt_path_lookup(&f, "/dev@0") < 0);
}

static const char user_dts[] = "/dts-v1/;\n"
                               "/ {\n"
                               "  #address-cells = <2>; #size-cells = <2>;\n"
                               "  model = \"user board\";\n"
                               "  cpus {\n"
                               "    #address-cells = <1>; #size-cells = <0>; timebase-frequency = <1000>;\n"
                               "    cpu@5 { device_type = \"cpu\"; reg = <5>; riscv,isa = \"rv64imafdch\";\n"
                               "      intc5: interrupt-controller { #interrupt-cells = <1>; interrupt-controller;\n"
                               "        compatible = \"riscv,cpu-intc\"; }; };\n"
                               "  };\n"
                               "  memory@90000000 { device_type = \"memory\"; reg = <0 0x90000000 0 0x1000>; };\n"
                               "  soc { compatible = \"simple-bus\"; };\n"
                               "  chosen { bootargs = \"old\"; };\n"
                               "};\n";

static void patch_replaces_cpus(void **state)
{
    (void)state;
    static u8 src[BUF_CAP], buf[BUF_CAP];
    size_t n = compile_dts(user_dts, src, sizeof(src));
    struct vm_fdt_params p = params(2, false);
    int out = vm_fdt_patch(src, n, &p, buf, sizeof(buf));
    assert_true(out > 0);
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)out), 0);
    int c = node(&f, "/cpus");
    assert_int_equal(prop_u32(&f, c, "timebase-frequency"), 10000000); /* the host's, not the source's */
    assert_true(fdt_path_lookup(&f, "/cpus/cpu@5") < 0);              /* the source's hart is gone */
    assert_int_equal(prop_u32(&f, node(&f, "/cpus/cpu@1"), "reg"), 1);
    assert_string_equal(prop_str(&f, node(&f, "/cpus/cpu@0"), "riscv,isa"), ISA);
    assert_string_equal(prop_str(&f, node(&f, "/"), "model"), "user board");
    assert_true(fdt_path_lookup(&f, "/soc") >= 0);
    assert_true(fdt_path_lookup(&f, "/memory@90000000") < 0); /* memory is the VM's */
    assert_true(fdt_path_lookup(&f, "/memory@80000000") >= 0);
    assert_string_equal(prop_str(&f, node(&f, "/chosen"), "bootargs"), "console=hvc0");
}

/* The boot seed cvisor derives for the VM goes in /chosen as rng-seed, in a generated tree and,
 * replacing the user's, in a patched one; without one the user's stays and none is made up. */
static void rng_seed_in_chosen(void **state)
{
    (void)state;
    static u8 buf[BUF_CAP], src[BUF_CAP];
    static const char seeded_dts[] = "/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>;\n"
                                     "  chosen { rng-seed = [01 02 03 04]; bootargs = \"old\"; }; };\n";
    struct vm_fdt_params p = params(1, true);
    struct fdt f;
    size_t len = 0;
    int out = vm_fdt_generate(&p, buf, sizeof(buf));
    assert_true(out > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)out), 0);
    assert_null(fdt_prop(&f, node(&f, "/chosen"), "rng-seed", &len));
    size_t n = compile_dts(seeded_dts, src, sizeof(src));
    out = vm_fdt_patch(src, n, &p, buf, sizeof(buf));
    assert_true(out > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)out), 0);
    const u8 *v = fdt_prop(&f, node(&f, "/chosen"), "rng-seed", &len);
    assert_non_null(v);
    assert_int_equal(len, 4);
    assert_int_equal(v[3], 4);

    for (size_t i = 0; i < 64; i++)
        p.rng_seed[i] = (u8)(0xa0 + i);
    p.rng_seed_len = 64;
    out = vm_fdt_generate(&p, buf, sizeof(buf));
    assert_true(out > 0);
    assert_dtc_clean(buf, out);
    assert_int_equal(fdt_open(&f, buf, (size_t)out), 0);
    v = fdt_prop(&f, node(&f, "/chosen"), "rng-seed", &len);
    assert_non_null(v);
    assert_int_equal(len, 64);
    assert_memory_equal(v, p.rng_seed, 64);
    out = vm_fdt_patch(src, n, &p, buf, sizeof(buf));
    assert_true(out > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)out), 0);
    int chosen = node(&f, "/chosen");
    v = fdt_prop(&f, chosen, "rng-seed", &len);
    assert_non_null(v);
    assert_int_equal(len, 64); /* ours, and only once */
    assert_memory_equal(v, p.rng_seed, 64);
    int seeds = 0;
    for (int q = fdt_first_prop(&f, chosen); q >= 0; q = fdt_next_prop(&f, q)) {
        const char *name;
        fdt_prop_at(&f, q, &name, &len);
        seeds += strcmp(name, "rng-seed") == 0;
    }
    assert_int_equal(seeds, 1);
    assert_string_equal(prop_str(&f, chosen, "bootargs"), "console=hvc0");

    p.rng_seed_len = 65; /* more than the params hold */
    assert_int_equal(vm_fdt_generate(&p, buf, sizeof(buf)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generate_one_and_four_harts),
        cmocka_unit_test(refused),
        cmocka_unit_test(console_uart),
        cmocka_unit_test(plic_and_uart_interrupt),
        cmocka_unit_test(imsic_node),
        cmocka_unit_test(virtio_and_doorbell_interrupts),
        cmocka_unit_test(host_device_below_identity_bus),
        cmocka_unit_test(patch_replaces_cpus),
        cmocka_unit_test(rng_seed_in_chosen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
