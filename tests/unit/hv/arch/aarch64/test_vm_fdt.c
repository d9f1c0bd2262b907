/* Guest device tree tests: vm_fdt_generate read back property by property and checked by dtc;
 * vm_fdt_patch over QEMU's own virt DTB (4 vCPUs, dumped at build time into VM_FDT_FIXTURE_DIR,
 * overridable with the environment variable of the same name) and over small trees compiled by
 * dtc from sources kept in this file. */
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

#ifndef VM_FDT_FIXTURE_DIR
#define VM_FDT_FIXTURE_DIR "build/host/vm_fdt"
#endif

#define BUF_CAP (256 * 1024)

/* ---- helpers ---- */

struct blob {
    u8 *data;
    size_t size;
};

static struct blob load_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s (run via make)", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    struct blob b = {malloc((size_t)n + 1), (size_t)n};
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.size, fp), b.size);
    b.data[n] = 0;
    fclose(fp);
    return b;
}

static struct blob load_qemu(void)
{
    const char *dir = getenv("VM_FDT_FIXTURE_DIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/qemu-virt-smp4.dtb", dir ? dir : VM_FDT_FIXTURE_DIR);
    return load_file(path);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

static void temp_path(char *path, size_t size, const char *tag)
{
    snprintf(path, size, "/tmp/test_vm_fdt_%s_XXXXXX", tag);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* Compiles DTS source text with dtc. */
static struct blob compile_dts(const char *dts)
{
    char in[64], out[64], cmd[256];
    temp_path(in, sizeof(in), "dts");
    temp_path(out, sizeof(out), "dtb");
    write_file(in, dts, strlen(dts));
    snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s %s", out, in);
    int rc = system(cmd);
    unlink(in);
    if (rc != 0) {
        unlink(out);
        fail_msg("dtc rejected the test source");
    }
    struct blob b = load_file(out);
    unlink(out);
    return b;
}

/* Decompiles a blob with dtc: it must succeed without any warning on stderr. */
static void assert_dtc_clean(const void *dtb, int n)
{
    char in[64], err[64], cmd[256];
    assert_true(n > 0);
    temp_path(in, sizeof(in), "out");
    temp_path(err, sizeof(err), "err");
    write_file(in, dtb, (size_t)n);
    snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o /dev/null %s 2>%s", in, err);
    int rc = system(cmd);
    struct blob e = load_file(err);
    unlink(in);
    unlink(err);
    if (rc != 0 || e.size != 0)
        fail_msg("dtc: rc %d, stderr:\n%s", rc, (const char *)e.data);
    assert_null(strstr((const char *)e.data, "Warning (interrupts_property)"));
    assert_null(strstr((const char *)e.data, "Warning (reg_format)"));
    free(e.data);
}

static int node_at(const struct fdt *f, const char *path)
{
    int n = fdt_path_lookup(f, path);
    if (n < 0)
        fail_msg("no node %s", path);
    return n;
}

static void assert_no_node(const struct fdt *f, const char *path)
{
    if (fdt_path_lookup(f, path) >= 0)
        fail_msg("unexpected node %s", path);
}

static u32 get32(const u8 *p)
{
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void assert_cells(const struct fdt *f, int node, const char *name, const u32 *want, size_t n)
{
    size_t len;
    const u8 *v = fdt_prop(f, node, name, &len);
    if (!v)
        fail_msg("no property %s", name);
    assert_int_equal(len, 4 * n);
    for (size_t i = 0; i < n; i++)
        if (get32(v + 4 * i) != want[i])
            fail_msg("%s cell %zu: 0x%x, want 0x%x", name, i, get32(v + 4 * i), want[i]);
}

static void assert_u32(const struct fdt *f, int node, const char *name, u32 want)
{
    u32 v = 0;
    if (!fdt_prop_u32(f, node, name, &v))
        fail_msg("no u32 property %s", name);
    assert_int_equal(v, want);
}

static void assert_u64_prop(const struct fdt *f, int node, const char *name, u64 want)
{
    size_t len;
    const void *v = fdt_prop(f, node, name, &len);
    assert_non_null(v);
    assert_int_equal(len, 8); /* u64, not a 1-cell value */
    u64 got = 0;
    assert_true(fdt_prop_u64(f, node, name, &got));
    assert_int_equal(got, want);
}

static void assert_string(const struct fdt *f, int node, const char *name, const char *want)
{
    const char *s = fdt_prop_string(f, node, name);
    if (!s)
        fail_msg("no string property %s", name);
    assert_string_equal(s, want);
}

/* A stringlist property equal to the n strings given. */
static void assert_strings(const struct fdt *f, int node, const char *name, const char *const *want, size_t n)
{
    size_t len, pos = 0;
    const char *v = fdt_prop(f, node, name, &len);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        size_t sl = strlen(want[i]) + 1;
        assert_true(pos + sl <= len);
        assert_memory_equal(v + pos, want[i], sl);
        pos += sl;
    }
    assert_int_equal(pos, len);
}

static void assert_empty_prop(const struct fdt *f, int node, const char *name)
{
    size_t len = 99;
    assert_non_null(fdt_prop(f, node, name, &len));
    assert_int_equal(len, 0);
}

static void assert_no_prop(const struct fdt *f, int node, const char *name)
{
    if (fdt_prop(f, node, name, NULL))
        fail_msg("unexpected property %s", name);
}

static int count_props(const struct fdt *f, int node)
{
    int n = 0;
    for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p))
        n++;
    return n;
}

static int count_children(const struct fdt *f, int node)
{
    int n = 0;
    for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c))
        n++;
    return n;
}

static int count_memory_nodes(const struct fdt *f)
{
    int n = 0;
    for (int c = fdt_root(f); c >= 0; c = fdt_next_node(f, c)) {
        const char *t = fdt_prop_string(f, c, "device_type");
        n += t && strcmp(t, "memory") == 0;
    }
    return n;
}

/* Every phandle the tree uses resolves, and no two nodes share one. Checked: interrupt-parent,
 * clocks (phandle + #clock-cells arguments), cpu (cpu-map), next-level-cache,
 * interrupt-affinity. */
static void assert_phandles_resolve(const struct fdt *f)
{
    for (int n = fdt_root(f); n >= 0; n = fdt_next_node(f, n)) {
        u32 ph = 0;
        if ((fdt_prop_u32(f, n, "phandle", &ph) || fdt_prop_u32(f, n, "linux,phandle", &ph)))
            assert_int_equal(fdt_find_phandle(f, ph), n); /* the first node with it is this one */
        static const char *const single[] = {"interrupt-parent", "cpu", "next-level-cache"};
        for (size_t i = 0; i < ARRAY_SIZE(single); i++) {
            if (!fdt_prop(f, n, single[i], NULL))
                continue;
            assert_true(fdt_prop_u32(f, n, single[i], &ph));
            if (fdt_find_phandle(f, ph) < 0)
                fail_msg("%s = <0x%x> of node %s does not resolve", single[i], ph, fdt_node_name(f, n));
        }
        size_t len;
        const u8 *v = fdt_prop(f, n, "interrupt-affinity", &len);
        for (size_t i = 0; v && i + 4 <= len; i += 4)
            if (fdt_find_phandle(f, get32(v + i)) < 0)
                fail_msg("interrupt-affinity of %s: 0x%x does not resolve", fdt_node_name(f, n),
                         get32(v + i));
        v = fdt_prop(f, n, "clocks", &len);
        assert_true(!v || len % 4 == 0);
        for (size_t i = 0; v && i + 4 <= len;) {
            int prov = fdt_find_phandle(f, get32(v + i));
            if (prov < 0)
                fail_msg("clocks of %s: 0x%x does not resolve", fdt_node_name(f, n), get32(v + i));
            u32 cells = 0;
            assert_true(fdt_prop_u32(f, prov, "#clock-cells", &cells));
            i += 4 * (1 + (size_t)cells);
        }
    }
}

/* The same node (by path) in two trees has identical properties, in the same order. */
static void assert_same_props(const struct fdt *a, int na, const struct fdt *b, int nb)
{
    int pa = fdt_first_prop(a, na), pb = fdt_first_prop(b, nb);
    for (; pa >= 0; pa = fdt_next_prop(a, pa), pb = fdt_next_prop(b, pb)) {
        const char *sa, *sb;
        size_t la, lb;
        const void *da = fdt_prop_at(a, pa, &sa, &la);
        const void *db = fdt_prop_at(b, pb, &sb, &lb);
        assert_non_null(db);
        assert_string_equal(sa, sb);
        assert_int_equal(la, lb);
        assert_memory_equal(da, db, la);
    }
    assert_int_equal(pb, -1);
}

static struct vm_fdt_params base_params(u32 cpus, enum vm_fdt_gic gic)
{
    struct vm_fdt_params p;
    memset(&p, 0, sizeof(p));
    p.mem[0].base = 0x40000000;
    p.mem[0].size = MiB(256);
    p.mem_count = 1;
    p.cpu_count = cpus;
    for (u32 i = 0; i < cpus; i++)
        p.cpu_hwid[i] = i;
    p.arch.gic = gic;
    p.arch.gicd_base = 0x8000000;
    p.arch.gicr_base = 0x80a0000;
    p.arch.gicc_base = 0x8010000;
    p.uart_base = 0x9000000;
    p.uart_irq = 33;
    return p;
}

static int generate(const struct vm_fdt_params *p, u8 *buf, struct fdt *f)
{
    int n = vm_fdt_generate(p, buf, BUF_CAP);
    assert_true(n > 0);
    assert_int_equal(fdt_open(f, buf, (size_t)n), 0);
    assert_int_equal(fdt_total_size(buf), n);
    return n;
}

/* ---- generation ---- */

static void check_root(const struct fdt *f)
{
    int root = fdt_root(f);
    assert_u32(f, root, "#address-cells", 2);
    assert_u32(f, root, "#size-cells", 2);
    assert_string(f, root, "compatible", "linux,dummy-virt");
    assert_u32(f, root, "interrupt-parent", VM_FDT_PHANDLE_INTC);
    assert_int_equal(fdt_find_phandle(f, VM_FDT_PHANDLE_INTC), node_at(f, "/intc@8000000"));
    static const char *const psci_compat[] = {"arm,psci-1.0", "arm,psci-0.2"};
    int psci = node_at(f, "/psci");
    assert_strings(f, psci, "compatible", psci_compat, 2);
    assert_string(f, psci, "method", "hvc");
    assert_int_equal(count_props(f, psci), 2);
}

static void check_cpu(const struct fdt *f, const char *path, u32 reg)
{
    int c = node_at(f, path);
    assert_string(f, c, "device_type", "cpu");
    assert_string(f, c, "compatible", "arm,armv8");
    assert_cells(f, c, "reg", &reg, 1);
    assert_string(f, c, "enable-method", "psci");
    assert_int_equal(count_props(f, c), 4);
}

static void check_timer(const struct fdt *f, u32 flags)
{
    int t = node_at(f, "/timer");
    static const char *const compat[] = {"arm,armv8-timer", "arm,armv7-timer"};
    assert_strings(f, t, "compatible", compat, 2);
    const u32 irqs[] = {1, 13, flags, 1, 14, flags, 1, 11, flags, 1, 10, flags};
    assert_cells(f, t, "interrupts", irqs, ARRAY_SIZE(irqs));
    assert_empty_prop(f, t, "always-on");
}

static void gen_v3_one_cpu_full(void **state)
{
    (void)state;
    struct vm_fdt_params p = base_params(1, VM_FDT_GICV3);
    p.has_uart = true;
    p.bootargs = "console=ttyAMA0 earlycon root=/dev/vda";
    p.has_initrd = true;
    p.initrd_start = 0x48000000;
    p.initrd_end = 0x48123456;
    u8 *buf = malloc(BUF_CAP);
    struct fdt f;
    int n = generate(&p, buf, &f);

    check_root(&f);
    int mem = node_at(&f, "/memory@40000000");
    assert_string(&f, mem, "device_type", "memory");
    const u32 mreg[] = {0, 0x40000000, 0, 0x10000000};
    assert_cells(&f, mem, "reg", mreg, 4);
    assert_int_equal(count_memory_nodes(&f), 1);

    int cpus = node_at(&f, "/cpus");
    assert_u32(&f, cpus, "#address-cells", 1);
    assert_u32(&f, cpus, "#size-cells", 0);
    assert_int_equal(count_children(&f, cpus), 1);
    check_cpu(&f, "/cpus/cpu@0", 0);

    int gic = node_at(&f, "/intc@8000000");
    assert_string(&f, gic, "compatible", "arm,gic-v3");
    assert_u32(&f, gic, "#interrupt-cells", 3);
    assert_empty_prop(&f, gic, "interrupt-controller");
    assert_u32(&f, gic, "#address-cells", 0);
    const u32 greg[] = {0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, 0x20000};
    assert_cells(&f, gic, "reg", greg, 8);
    assert_u32(&f, gic, "phandle", VM_FDT_PHANDLE_INTC);

    check_timer(&f, 8);

    int clk = node_at(&f, "/apb-pclk");
    assert_string(&f, clk, "compatible", "fixed-clock");
    assert_u32(&f, clk, "#clock-cells", 0);
    assert_u32(&f, clk, "clock-frequency", 24000000);
    assert_string(&f, clk, "clock-output-names", "clk24mhz");
    assert_u32(&f, clk, "phandle", VM_FDT_PHANDLE_CLK);

    int uart = node_at(&f, "/pl011@9000000");
    static const char *const ucompat[] = {"arm,pl011", "arm,primecell"};
    assert_strings(&f, uart, "compatible", ucompat, 2);
    const u32 ureg[] = {0, 0x9000000, 0, 0x1000};
    assert_cells(&f, uart, "reg", ureg, 4);
    const u32 uirq[] = {0, 1, 4};
    assert_cells(&f, uart, "interrupts", uirq, 3);
    const u32 uclk[] = {VM_FDT_PHANDLE_CLK, VM_FDT_PHANDLE_CLK};
    assert_cells(&f, uart, "clocks", uclk, 2);
    static const char *const cnames[] = {"uartclk", "apb_pclk"};
    assert_strings(&f, uart, "clock-names", cnames, 2);
    u64 a, s;
    assert_true(fdt_reg(&f, uart, 0, &a, &s));
    assert_int_equal(a, 0x9000000);
    assert_int_equal(s, 0x1000);

    int chosen = node_at(&f, "/chosen");
    assert_string(&f, chosen, "bootargs", p.bootargs);
    assert_string(&f, chosen, "stdout-path", "/pl011@9000000");
    assert_int_equal(fdt_path_lookup(&f, fdt_prop_string(&f, chosen, "stdout-path")), uart);
    assert_u64_prop(&f, chosen, "linux,initrd-start", 0x48000000);
    assert_u64_prop(&f, chosen, "linux,initrd-end", 0x48123456);
    assert_int_equal(count_props(&f, chosen), 4);

    assert_int_equal(count_children(&f, fdt_root(&f)), 8);
    assert_phandles_resolve(&f);
    assert_dtc_clean(buf, n);
    free(buf);
}

/* virtio-mmio transports appear as "virtio,mmio" nodes with their reg and (level) interrupt. */
static void gen_virtio_devices(void **state)
{
    (void)state;
    struct vm_fdt_params p = base_params(1, VM_FDT_GICV3);
    p.virtio_count = 2;
    p.virtio[0].base = 0xa000000;
    p.virtio[0].size = 0x200;
    p.virtio[0].irq = 48;
    p.virtio[1].base = 0xa000200;
    p.virtio[1].size = 0x200;
    p.virtio[1].irq = 1019;
    u8 *buf = malloc(BUF_CAP);
    struct fdt f;
    int n = generate(&p, buf, &f);
    int v0 = node_at(&f, "/virtio_mmio@a000000");
    assert_string(&f, v0, "compatible", "virtio,mmio");
    const u32 reg0[] = {0, 0xa000000, 0, 0x200};
    assert_cells(&f, v0, "reg", reg0, 4);
    const u32 irq0[] = {0, 16, 4};
    assert_cells(&f, v0, "interrupts", irq0, 3);
    assert_empty_prop(&f, v0, "dma-coherent");
    int v1 = node_at(&f, "/virtio_mmio@a000200");
    const u32 irq1[] = {0, 987, 4};
    assert_cells(&f, v1, "interrupts", irq1, 3);
    assert_dtc_clean(buf, n);
    struct vm_fdt_params q = p;
    q.virtio[1].irq = 31;
    assert_int_equal(vm_fdt_generate(&q, buf, BUF_CAP), -1);
    q = p;
    q.virtio_count = VM_FDT_MAX_VIRTIO + 1;
    assert_int_equal(vm_fdt_generate(&q, buf, BUF_CAP), -1);
    free(buf);
}

/* Shared regions appear as "cvisor,shmem" + "generic-uio" nodes with their reg, their doorbell
 * interrupt when they have one, their name and their index for the HC_SHMEM_* calls; no memory
 * node covers them. */
static void gen_shmem_regions(void **state)
{
    (void)state;
    struct vm_fdt_params p = base_params(1, VM_FDT_GICV3);
    p.shmem_count = 2;
    p.shmem[0].base = 0x50000000;
    p.shmem[0].size = 0x40000;
    p.shmem[0].irq = 48;
    p.shmem[0].name = "pingpong";
    p.shmem[1].base = 0x51000000;
    p.shmem[1].size = 0x1000;
    p.shmem[1].name = "log";
    u8 *buf = malloc(BUF_CAP);
    struct fdt f;
    int n = generate(&p, buf, &f);
    int s0 = node_at(&f, "/shmem@50000000");
    const char *const compatible[] = {"cvisor,shmem", "generic-uio"};
    assert_strings(&f, s0, "compatible", compatible, 2);
    const u32 reg0[] = {0, 0x50000000, 0, 0x40000};
    assert_cells(&f, s0, "reg", reg0, 4);
    const u32 irq0[] = {0, 16, 4};
    assert_cells(&f, s0, "interrupts", irq0, 3);
    assert_string(&f, s0, "cvisor,region", "pingpong");
    assert_u32(&f, s0, "cvisor,index", 0);
    int s1 = node_at(&f, "/shmem@51000000");
    assert_no_prop(&f, s1, "interrupts");
    assert_u32(&f, s1, "cvisor,index", 1);
    assert_no_node(&f, "/memory@50000000");
    assert_dtc_clean(buf, n);
    struct vm_fdt_params q = p;
    q.shmem[0].irq = 31; /* not a shared interrupt */
    assert_int_equal(vm_fdt_generate(&q, buf, BUF_CAP), -1);
    q = p;
    q.shmem[1].name = NULL;
    assert_int_equal(vm_fdt_generate(&q, buf, BUF_CAP), -1);
    free(buf);
}

static void gen_v3_two_cpus_bare(void **state)
{
    (void)state;
    struct vm_fdt_params p = base_params(2, VM_FDT_GICV3);
    p.bootargs = ""; /* same as none */
    u8 *buf = malloc(BUF_CAP);
    struct fdt f;
    int n = generate(&p, buf, &f);

    check_root(&f);
    assert_int_equal(count_children(&f, node_at(&f, "/cpus")), 2);
    check_cpu(&f, "/cpus/cpu@0", 0);
    check_cpu(&f, "/cpus/cpu@1", 1);
    /* gicr_size 0: one 128 KiB redistributor per vCPU. */
    const u32 greg[] = {0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, 0x40000};
    assert_cells(&f, node_at(&f, "/intc@8000000"), "reg", greg, 8);
    check_timer(&f, 8);
    assert_no_node(&f, "/pl011@9000000");
    assert_no_node(&f, "/apb-pclk");
    int chosen = node_at(&f, "/chosen");
    assert_int_equal(count_props(&f, chosen), 0);
    assert_int_equal(count_children(&f, fdt_root(&f)), 6);
    assert_phandles_resolve(&f);
    assert_dtc_clean(buf, n);
    free(buf);
}

static void gen_v2_two_cpus(void **state)
{
    (void)state;
    struct vm_fdt_params p = base_params(2, VM_FDT_GICV2);
    p.arch.gicd_base = 0x2f000000;
    p.arch.gicc_base = 0x2c000000;
    p.mem[0].base = 0x80000000;
    p.mem[0].size = GiB(2);
    p.mem[1].base = 0x880000000ull;
    p.mem[1].size = GiB(6);
    p.mem_count = 2;
    p.has_uart = true;
    p.uart_base = 0x1c090000;
    p.uart_irq = 37;
    p.bootargs = "console=ttyAMA0";
    u8 *buf = malloc(BUF_CAP);
    struct fdt f;
    int n = generate(&p, buf, &f);

    int gic = node_at(&f, "/intc@2f000000");
    assert_string(&f, gic, "compatible", "arm,cortex-a15-gic");
    assert_u32(&f, gic, "#interrupt-cells", 3);
    assert_empty_prop(&f, gic, "interrupt-controller");
    const u32 greg[] = {0, 0x2f000000, 0, 0x1000, 0, 0x2c000000, 0, 0x2000};
    assert_cells(&f, gic, "reg", greg, 8);
    assert_u32(&f, fdt_root(&f), "interrupt-parent", VM_FDT_PHANDLE_INTC);
    assert_int_equal(fdt_find_phandle(&f, VM_FDT_PHANDLE_INTC), gic);
    check_timer(&f, 0x308); /* CPU mask 0b11 in bits 15:8, level low */

    const u32 m0[] = {0, 0x80000000, 0, 0x80000000};
    const u32 m1[] = {0x8, 0x80000000, 0x1, 0x80000000};
    assert_cells(&f, node_at(&f, "/memory@80000000"), "reg", m0, 4);
    assert_cells(&f, node_at(&f, "/memory@880000000"), "reg", m1, 4);
    assert_int_equal(count_memory_nodes(&f), 2);

    int uart = node_at(&f, "/pl011@1c090000");
    const u32 uirq[] = {0, 5, 4};
    assert_cells(&f, uart, "interrupts", uirq, 3);
    assert_string(&f, node_at(&f, "/chosen"), "stdout-path", "/pl011@1c090000");
    assert_no_prop(&f, node_at(&f, "/chosen"), "linux,initrd-start");
    assert_phandles_resolve(&f);
    assert_dtc_clean(buf, n);

    /* Explicit sizes win over the defaults; 8 vCPUs fill the GICv2 CPU mask. */
    p = base_params(8, VM_FDT_GICV2);
    p.arch.gicd_size = 0x10000;
    p.arch.gicc_size = 0x10000;
    n = generate(&p, buf, &f);
    const u32 greg2[] = {0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000};
    assert_cells(&f, node_at(&f, "/intc@8000000"), "reg", greg2, 8);
    check_timer(&f, 0xff08);
    assert_int_equal(count_children(&f, node_at(&f, "/cpus")), 8);
    assert_dtc_clean(buf, n);
    free(buf);
}

/* MPIDRs with Aff1..Aff3: the cpus node gets 2 address cells once Aff3 is used; bits outside
 * the affinity fields (a raw MPIDR's RES1 bit 31) are ignored. Unit addresses are lowercase hex
 * without leading zeros. */
static void gen_mpidr_layouts(void **state)
{
    (void)state;
    struct vm_fdt_params p = base_params(3, VM_FDT_GICV3);
    p.cpu_hwid[0] = 0x80000000;
    p.cpu_hwid[1] = 0x80000100;
    p.cpu_hwid[2] = 0x10000;
    p.mem[0].base = 0xabc00000;
    u8 *buf = malloc(BUF_CAP);
    struct fdt f;
    int n = generate(&p, buf, &f);
    assert_u32(&f, node_at(&f, "/cpus"), "#address-cells", 1);
    check_cpu(&f, "/cpus/cpu@0", 0);
    check_cpu(&f, "/cpus/cpu@100", 0x100);
    check_cpu(&f, "/cpus/cpu@10000", 0x10000);
    node_at(&f, "/memory@abc00000");
    assert_dtc_clean(buf, n);

    p.cpu_hwid[2] = 0x100000000ull; /* Aff3 = 1 */
    n = generate(&p, buf, &f);
    assert_u32(&f, node_at(&f, "/cpus"), "#address-cells", 2);
    const u32 r0[] = {0, 0}, r1[] = {0, 0x100}, r2[] = {1, 0};
    assert_cells(&f, node_at(&f, "/cpus/cpu@0"), "reg", r0, 2);
    assert_cells(&f, node_at(&f, "/cpus/cpu@100"), "reg", r1, 2);
    assert_cells(&f, node_at(&f, "/cpus/cpu@100000000"), "reg", r2, 2);
    assert_dtc_clean(buf, n);
    free(buf);
}

static void gen_bad_params(void **state)
{
    (void)state;
    u8 *buf = malloc(BUF_CAP);
    struct vm_fdt_params p = base_params(2, VM_FDT_GICV3);
    assert_true(vm_fdt_generate(&p, buf, BUF_CAP) > 0);
    assert_int_equal(vm_fdt_generate(NULL, buf, BUF_CAP), -1);
    assert_int_equal(vm_fdt_generate(&p, NULL, BUF_CAP), -1);

    struct vm_fdt_params q;
#define EXPECT_BAD(mutation)                                                                                 \
    do {                                                                                                     \
        q = p;                                                                                               \
        mutation;                                                                                            \
        if (vm_fdt_generate(&q, buf, BUF_CAP) != -1)                                                         \
            fail_msg("accepted: %s", #mutation);                                                             \
    } while (0)
    EXPECT_BAD(q.mem_count = 0);
    EXPECT_BAD(q.mem_count = VM_MAX_REGIONS + 1);
    EXPECT_BAD(q.mem[0].size = 0);
    EXPECT_BAD((q.mem[0].base = ~0ull - 0xfff, q.mem[0].size = 0x2000));
    EXPECT_BAD((q.mem_count = 2, q.mem[1].base = 0x4fff0000, q.mem[1].size = 0x20000)); /* overlap */
    EXPECT_BAD((q.mem_count = 2, q.mem[1] = q.mem[0]));                                 /* duplicate */
    EXPECT_BAD(q.cpu_count = 0);
    EXPECT_BAD(q.cpu_count = VM_MAX_VCPUS + 1);
    EXPECT_BAD(q.cpu_hwid[1] = 0);
    EXPECT_BAD(q.cpu_hwid[1] = 0x80000000); /* same affinity as vCPU 0 */
    EXPECT_BAD(q.arch.gic = VM_FDT_GIC_NONE);
    EXPECT_BAD(q.arch.gic = (enum vm_fdt_gic)7);
    EXPECT_BAD((q.arch.gic = VM_FDT_GICV2, q.cpu_count = 9));
    EXPECT_BAD((q.arch.gicd_base = ~0ull - 0x100));
    EXPECT_BAD((q.has_uart = true, q.uart_irq = 31));
    EXPECT_BAD((q.has_uart = true, q.uart_irq = 1020));
    EXPECT_BAD((q.has_initrd = true, q.initrd_start = 0x48000000, q.initrd_end = 0x48000000));
    EXPECT_BAD((q.has_initrd = true, q.initrd_start = 0x48001000, q.initrd_end = 0x48000000));
#undef EXPECT_BAD
    q = p;
    q.has_uart = true;
    q.uart_irq = 1019;
    assert_true(vm_fdt_generate(&q, buf, BUF_CAP) > 0);
    q.uart_irq = 32;
    assert_true(vm_fdt_generate(&q, buf, BUF_CAP) > 0);
    free(buf);
}

/* Every capacity short of the size fails without writing past it. */
static void gen_overflow(void **state)
{
    (void)state;
    struct vm_fdt_params p = base_params(4, VM_FDT_GICV3);
    p.has_uart = true;
    p.bootargs = "console=ttyAMA0";
    p.has_initrd = true;
    p.initrd_start = 0x48000000;
    p.initrd_end = 0x49000000;
    u8 *ref = malloc(BUF_CAP);
    int need = vm_fdt_generate(&p, ref, BUF_CAP);
    assert_true(need > 0);
    for (size_t cap = 0; cap <= (size_t)need; cap++) {
        u8 *buf = malloc(cap + 64);
        memset(buf, 0xa5, cap + 64);
        int n = vm_fdt_generate(&p, buf, cap);
        if (cap < (size_t)need) {
            assert_int_equal(n, -1);
        } else {
            assert_int_equal(n, need);
            assert_memory_equal(buf, ref, (size_t)need);
        }
        for (size_t i = cap; i < cap + 64; i++)
            assert_int_equal(buf[i], 0xa5);
        free(buf);
    }
    free(ref);
}

/* Patching a generated tree with the params it came from changes nothing. */
static void patch_generated_is_identity(void **state)
{
    (void)state;
    u8 *gen = malloc(BUF_CAP), *out = malloc(BUF_CAP);
    struct vm_fdt_params ps[4];
    ps[0] = base_params(1, VM_FDT_GICV3);
    ps[1] = base_params(4, VM_FDT_GICV2);
    ps[1].has_uart = true;
    ps[1].bootargs = "console=ttyAMA0";
    ps[1].has_initrd = true;
    ps[1].initrd_start = 0x48000000;
    ps[1].initrd_end = 0x48800000;
    ps[2] = ps[1];
    ps[2].arch.gic = VM_FDT_GICV3;
    ps[2].mem_count = 2;
    ps[2].mem[1].base = 0x100000000ull;
    ps[2].mem[1].size = GiB(1);
    ps[3] = base_params(2, VM_FDT_GICV3);
    ps[3].cpu_hwid[1] = 0x300000000ull;
    for (size_t i = 0; i < ARRAY_SIZE(ps); i++) {
        int n = vm_fdt_generate(&ps[i], gen, BUF_CAP);
        assert_true(n > 0);
        int m = vm_fdt_patch(gen, (size_t)n, &ps[i], out, BUF_CAP);
        assert_int_equal(m, n);
        assert_memory_equal(gen, out, (size_t)n);
    }
    free(gen);
    free(out);
}


/* Passthrough by path: host device nodes copied into a generated tree, their interrupt parent
 * made the guest GIC and their clock the generated apb-pclk (or the host's, copied). */
static void gen_with_host_devices(void **state)
{
    const struct blob *q = *state;
    struct fdt host;
    assert_int_equal(fdt_open(&host, q->data, q->size), 0);
    int nodes[2] = {node_at(&host, "/pl031@9010000"), node_at(&host, "/pl061@9030000")};
    u8 *buf = malloc(BUF_CAP);
    for (int with_uart = 1; with_uart >= 0; with_uart--) {
        struct vm_fdt_params p = base_params(1, VM_FDT_GICV2);
        p.has_uart = with_uart;
        p.host = &host;
        p.host_nodes = nodes;
        p.host_node_count = 2;
        assert_int_equal(vm_fdt_host_nodes_copyable(&p), 2);
        struct fdt f;
        int n = generate(&p, buf, &f);
        assert_dtc_clean(buf, n);
        assert_phandles_resolve(&f);
        int rtc = node_at(&f, "/pl031@9010000");
        u32 parent = VM_FDT_PHANDLE_INTC; /* QEMU's nodes inherit the root's: the guest GIC */
        fdt_prop_u32(&f, rtc, "interrupt-parent", &parent);
        assert_int_equal(parent, VM_FDT_PHANDLE_INTC);
        assert_u32(&f, fdt_root(&f), "interrupt-parent", VM_FDT_PHANDLE_INTC);
        const u32 irq[3] = {0, 2, 4};
        assert_cells(&f, rtc, "interrupts", irq, 3);
        u64 base = 0, size = 0;
        assert_true(fdt_reg(&f, rtc, 0, &base, &size));
        assert_true(base == 0x9010000 && size == 0x1000);
        const char *const compat[2] = {"arm,pl031", "arm,primecell"};
        assert_strings(&f, rtc, "compatible", compat, 2);
        node_at(&f, "/pl061@9030000");
        u32 host_clk = 0, clk = 0;
        assert_true(fdt_prop_u32(&host, node_at(&host, "/apb-pclk"), "phandle", &host_clk));
        assert_true(fdt_prop_u32(&f, rtc, "clocks", &clk));
        if (with_uart) {
            assert_int_equal(clk, VM_FDT_PHANDLE_CLK); /* the generated clock stands in */
        } else {
            assert_int_equal(clk, host_clk); /* the host's clock node was copied, once */
            assert_u32(&f, node_at(&f, "/apb-pclk"), "phandle", host_clk);
        }
    }
    /* a node below the root cannot be described (its reg needs the parent's ranges) */
    struct vm_fdt_params p = base_params(1, VM_FDT_GICV2);
    int nested[1] = {node_at(&host, "/cpus/cpu@0")};
    p.host = &host;
    p.host_nodes = nested;
    p.host_node_count = 1;
    assert_int_equal(vm_fdt_host_nodes_copyable(&p), 0);
    struct fdt f;
    generate(&p, buf, &f);
    assert_int_equal(fdt_path_lookup(&f, "/cpu@0"), -1);
    free(buf);
}

/* ---- patching QEMU's tree ---- */

static int qemu_setup(void **state)
{
    struct blob *b = malloc(sizeof(*b));
    *b = load_qemu();
    *state = b;
    return 0;
}

static int qemu_teardown(void **state)
{
    struct blob *b = *state;
    free(b->data);
    free(b);
    return 0;
}

static bool path_has_prefix(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void patch_qemu_two_cpus(void **state)
{
    const struct blob *q = *state;
    struct fdt src;
    assert_int_equal(fdt_open(&src, q->data, q->size), 0);
    u32 cpu0_ph = 0, cpu1_ph = 0;
    assert_true(fdt_prop_u32(&src, node_at(&src, "/cpus/cpu@0"), "phandle", &cpu0_ph));
    assert_true(fdt_prop_u32(&src, node_at(&src, "/cpus/cpu@1"), "phandle", &cpu1_ph));
    node_at(&src, "/cpus/cpu@3");
    node_at(&src, "/cpus/cpu-map");
    assert_string(&src, node_at(&src, "/psci"), "method", "smc");

    struct vm_fdt_params p = base_params(2, VM_FDT_GIC_NONE); /* gic is ignored by patch */
    p.bootargs = "console=ttyAMA0 root=/dev/vda rw";
    u8 *buf = malloc(BUF_CAP);
    int n = vm_fdt_patch(q->data, q->size, &p, buf, BUF_CAP);
    assert_true(n > 0);
    assert_true((size_t)n < q->size); /* QEMU pads its blob to 1 MiB */
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);

    /* Memory: exactly the params' range. */
    assert_int_equal(count_memory_nodes(&f), 1);
    int mem = node_at(&f, "/memory@40000000");
    u64 a = 0, s = 0;
    assert_true(fdt_reg(&f, mem, 0, &a, &s));
    assert_int_equal(a, 0x40000000);
    assert_int_equal(s, MiB(256));
    assert_false(fdt_reg(&f, mem, 1, NULL, NULL));

    /* cpus: two, phandles and compatible kept; cpu-map referenced cpu@2/3 and is gone. */
    int cpus = node_at(&f, "/cpus");
    assert_u32(&f, cpus, "#address-cells", 1);
    assert_u32(&f, cpus, "#size-cells", 0);
    assert_int_equal(count_children(&f, cpus), 2);
    assert_no_node(&f, "/cpus/cpu@2");
    assert_no_node(&f, "/cpus/cpu@3");
    assert_no_node(&f, "/cpus/cpu-map");
    const u32 ph[2] = {cpu0_ph, cpu1_ph};
    for (u32 i = 0; i < 2; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
        int c = node_at(&f, path);
        assert_string(&f, c, "device_type", "cpu");
        assert_string(&f, c, "compatible", "arm,cortex-a72");
        assert_cells(&f, c, "reg", &i, 1);
        assert_string(&f, c, "enable-method", "psci");
        assert_u32(&f, c, "phandle", ph[i]);
    }

    int psci = node_at(&f, "/psci");
    assert_string(&f, psci, "method", "hvc");
    assert_true(fdt_is_compatible(&f, psci, "arm,psci-1.0"));
    assert_true(fdt_is_compatible(&f, psci, "arm,psci-0.2"));

    int chosen = node_at(&f, "/chosen");
    int src_chosen = node_at(&src, "/chosen");
    assert_string(&f, chosen, "bootargs", p.bootargs);
    assert_string(&f, chosen, "stdout-path", "/pl011@9000000");
    assert_no_prop(&f, chosen, "linux,initrd-start");
    assert_no_prop(&f, chosen, "linux,initrd-end");
    static const char *const kept[] = {"stdout-path", "rng-seed", "kaslr-seed"};
    for (size_t i = 0; i < ARRAY_SIZE(kept); i++) {
        size_t la, lb;
        const void *va = fdt_prop(&src, src_chosen, kept[i], &la);
        const void *vb = fdt_prop(&f, chosen, kept[i], &lb);
        if (!va)
            continue; /* QEMU versions differ in the seeds they add */
        assert_non_null(vb);
        assert_int_equal(la, lb);
        assert_memory_equal(va, vb, la);
    }

    /* Every other node is there with identical properties. */
    int others = 0;
    char path[256];
    for (int n0 = fdt_root(&src); n0 >= 0; n0 = fdt_next_node(&src, n0)) {
        assert_int_equal(fdt_node_path(&src, n0, path, sizeof(path)), 0);
        if (path_has_prefix(path, "/cpus") || path_has_prefix(path, "/memory@40000000") ||
            path_has_prefix(path, "/psci") || path_has_prefix(path, "/chosen"))
            continue;
        int n1 = fdt_path_lookup(&f, path);
        if (n1 < 0)
            fail_msg("%s lost", path);
        assert_same_props(&src, n0, &f, n1);
        assert_int_equal(count_children(&src, n0), count_children(&f, n1));
        others++;
    }
    assert_true(others > 40); /* 32 virtio_mmio nodes alone */
    static const char *const must[] = {
        "/pl011@9000000", "/intc@8000000", "/intc@8000000/its@8080000", "/timer",
        "/pmu",           "/apb-pclk",     "/virtio_mmio@a000000"};
    for (size_t i = 0; i < ARRAY_SIZE(must); i++)
        node_at(&f, must[i]);
    assert_int_equal(count_children(&src, fdt_root(&src)), count_children(&f, fdt_root(&f)));
    assert_same_props(&src, fdt_root(&src), &f, fdt_root(&f));

    assert_phandles_resolve(&f);
    assert_dtc_clean(buf, n);
    free(buf);
}

/* All four vCPUs with QEMU's MPIDRs plus initrd: cpu-map stays, every cpu keeps its phandle. */
static void patch_qemu_all_cpus(void **state)
{
    const struct blob *q = *state;
    struct fdt src;
    assert_int_equal(fdt_open(&src, q->data, q->size), 0);
    struct vm_fdt_params p = base_params(4, VM_FDT_GICV3);
    p.mem[0].size = GiB(1);
    p.mem[1].base = 0x100000000ull;
    p.mem[1].size = GiB(2);
    p.mem_count = 2;
    p.has_initrd = true;
    p.initrd_start = 0x44000000;
    p.initrd_end = 0x44400000;
    u8 *buf = malloc(BUF_CAP);
    int n = vm_fdt_patch(q->data, q->size, &p, buf, BUF_CAP);
    struct fdt f;
    assert_true(n > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    assert_int_equal(count_memory_nodes(&f), 2);
    const u32 m1[] = {1, 0, 0, 0x80000000};
    assert_cells(&f, node_at(&f, "/memory@100000000"), "reg", m1, 4);
    int map = node_at(&f, "/cpus/cpu-map");
    assert_same_props(&src, node_at(&src, "/cpus/cpu-map/socket0/cluster0/core3"), &f,
                      node_at(&f, "/cpus/cpu-map/socket0/cluster0/core3"));
    (void)map;
    for (int i = 0; i < 4; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/cpus/cpu@%d", i);
        u32 a = 0, b = 0;
        assert_true(fdt_prop_u32(&src, node_at(&src, path), "phandle", &a));
        assert_true(fdt_prop_u32(&f, node_at(&f, path), "phandle", &b));
        assert_int_equal(a, b);
    }
    int chosen = node_at(&f, "/chosen");
    assert_no_prop(&f, chosen, "bootargs"); /* none given, none in QEMU's tree */
    assert_u64_prop(&f, chosen, "linux,initrd-start", 0x44000000);
    assert_u64_prop(&f, chosen, "linux,initrd-end", 0x44400000);
    assert_string(&f, chosen, "stdout-path", "/pl011@9000000");
    assert_phandles_resolve(&f);
    assert_dtc_clean(buf, n);
    free(buf);
}

/* A vCPU whose MPIDR is not in the source gets a fresh node (the first source cpu's compatible,
 * no phandle); a source cpu that is not a vCPU goes. */
static void patch_qemu_new_mpidr(void **state)
{
    const struct blob *q = *state;
    struct vm_fdt_params p = base_params(2, VM_FDT_GICV3);
    p.cpu_hwid[0] = 1;
    p.cpu_hwid[1] = 0x100;
    u8 *buf = malloc(BUF_CAP);
    int n = vm_fdt_patch(q->data, q->size, &p, buf, BUF_CAP);
    struct fdt f;
    assert_true(n > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    int cpus = node_at(&f, "/cpus");
    assert_int_equal(count_children(&f, cpus), 2);
    /* vCPU order: cpu@1 first (it boots), then cpu@100. */
    assert_int_equal(fdt_first_child(&f, cpus), node_at(&f, "/cpus/cpu@1"));
    assert_true(fdt_prop(&f, node_at(&f, "/cpus/cpu@1"), "phandle", NULL) != NULL);
    int fresh = node_at(&f, "/cpus/cpu@100");
    assert_string(&f, fresh, "compatible", "arm,cortex-a72");
    const u32 reg = 0x100;
    assert_cells(&f, fresh, "reg", &reg, 1);
    assert_string(&f, fresh, "enable-method", "psci");
    assert_string(&f, fresh, "device_type", "cpu");
    assert_no_prop(&f, fresh, "phandle");
    assert_no_node(&f, "/cpus/cpu@0");
    assert_no_node(&f, "/cpus/cpu-map");
    assert_phandles_resolve(&f);
    assert_dtc_clean(buf, n);
    free(buf);
}

static void patch_qemu_overflow(void **state)
{
    const struct blob *q = *state;
    struct vm_fdt_params p = base_params(2, VM_FDT_GICV3);
    p.bootargs = "console=ttyAMA0";
    u8 *ref = malloc(BUF_CAP);
    int need = vm_fdt_patch(q->data, q->size, &p, ref, BUF_CAP);
    assert_true(need > 0);
    for (size_t cap = 0; cap <= (size_t)need; cap += (cap + 64 < (size_t)need ? 61 : 1)) {
        u8 *buf = malloc(cap + 64);
        memset(buf, 0xa5, cap + 64);
        int n = vm_fdt_patch(q->data, q->size, &p, buf, cap);
        if (cap < (size_t)need) {
            assert_int_equal(n, -1);
        } else {
            assert_int_equal(n, need);
            assert_memory_equal(buf, ref, (size_t)need);
        }
        for (size_t i = cap; i < cap + 64; i++)
            assert_int_equal(buf[i], 0xa5);
        free(buf);
    }
    free(ref);
}

static void patch_qemu_malformed(void **state)
{
    const struct blob *q = *state;
    struct vm_fdt_params p = base_params(2, VM_FDT_GICV3);
    u8 *buf = malloc(BUF_CAP);
    u8 *copy = malloc(q->size);

    /* Shorter than its header says. */
    size_t total = fdt_total_size(q->data);
    assert_int_equal(vm_fdt_patch(q->data, total - 1, &p, buf, BUF_CAP), -1);
    assert_int_equal(vm_fdt_patch(q->data, 16, &p, buf, BUF_CAP), -1);
    assert_int_equal(vm_fdt_patch(q->data, 0, &p, buf, BUF_CAP), -1);
    /* Bad magic. */
    memcpy(copy, q->data, q->size);
    copy[0] ^= 1;
    assert_int_equal(vm_fdt_patch(copy, q->size, &p, buf, BUF_CAP), -1);
    /* An unknown token at the start of the structure block. */
    memcpy(copy, q->data, q->size);
    u32 off = get32(copy + FDT_HDR_OFF_STRUCT);
    copy[off + 3] = 0x7;
    assert_int_equal(vm_fdt_patch(copy, q->size, &p, buf, BUF_CAP), -1);
    /* Strings block outside the blob. */
    memcpy(copy, q->data, q->size);
    copy[FDT_HDR_OFF_STRINGS] = 0xff;
    assert_int_equal(vm_fdt_patch(copy, q->size, &p, buf, BUF_CAP), -1);
    /* A property name offset past the strings block: the first property token. */
    memcpy(copy, q->data, q->size);
    for (u32 pos = off; pos + 12 < q->size; pos += 4)
        if (get32(copy + pos) == FDT_PROP) {
            copy[pos + 8] = 0x7f;
            break;
        }
    assert_int_equal(vm_fdt_patch(copy, q->size, &p, buf, BUF_CAP), -1);
    /* Output overlapping the source. */
    memcpy(copy, q->data, q->size);
    assert_int_equal(vm_fdt_patch(copy, q->size, &p, copy + 4096, q->size - 4096), -1);
    assert_int_equal(vm_fdt_patch(NULL, q->size, &p, buf, BUF_CAP), -1);
    assert_int_equal(vm_fdt_patch(q->data, q->size, NULL, buf, BUF_CAP), -1);
    assert_int_equal(vm_fdt_patch(q->data, q->size, &p, NULL, BUF_CAP), -1);
    /* Bad params. */
    struct vm_fdt_params bad = p;
    bad.mem_count = 0;
    assert_int_equal(vm_fdt_patch(q->data, q->size, &bad, buf, BUF_CAP), -1);
    bad = p;
    bad.cpu_hwid[1] = bad.cpu_hwid[0];
    assert_int_equal(vm_fdt_patch(q->data, q->size, &bad, buf, BUF_CAP), -1);
    bad = p;
    bad.has_initrd = true;
    assert_int_equal(vm_fdt_patch(q->data, q->size, &bad, buf, BUF_CAP), -1);
    free(copy);
    free(buf);
}

/* ---- patching hand-written trees ---- */

/* Root with 1 + 1 cells, memory reservations, a memory node under another name and one nested in
 * a bus, cpus with 2 address cells and a spin-table cpu, cpu-map, caches, PSCI 0.1 over SMC,
 * an initrd and bootargs in chosen. */
static const char board_dts[] =
    "/dts-v1/;\n"
    "/memreserve/ 0x48000000 0x10000;\n"
    "/memreserve/ 0x49000000 0x2000;\n"
    "/ {\n"
    "  #address-cells = <1>; #size-cells = <1>;\n"
    "  compatible = \"vendor,board\"; interrupt-parent = <&gic>;\n"
    "  sdram@80000000 { device_type = \"memory\"; reg = <0x80000000 0x40000000>; };\n"
    "  memory@c0000000 { device_type = \"memory\"; reg = <0xc0000000 0x10000000>; };\n"
    "  cpus {\n"
    "    #address-cells = <2>; #size-cells = <0>;\n"
    "    cpu-map { cluster0 { core0 { cpu = <&c0>; }; core1 { cpu = <&c1>; }; }; };\n"
    "    c0: cpu@0 { device_type = \"cpu\"; compatible = \"arm,cortex-a53\"; reg = <0 0>;\n"
    "      enable-method = \"spin-table\"; cpu-release-addr = <0 0x8000fff8>;\n"
    "      next-level-cache = <&l2>; status = \"disabled\";\n"
    "      l1-cache { compatible = \"cache\"; cache-level = <1>; }; };\n"
    "    c1: cpu@1 { device_type = \"cpu\"; compatible = \"arm,cortex-a53\"; reg = <0 1>;\n"
    "      enable-method = \"psci\"; next-level-cache = <&l2>; };\n"
    "    c100: cpu@100 { device_type = \"cpu\"; compatible = \"arm,cortex-a72\";\n"
    "      reg = <0 0x100>; enable-method = \"psci\"; };\n"
    "    l2: l2-cache0 { compatible = \"cache\"; cache-level = <2>; };\n"
    "  };\n"
    "  psci { compatible = \"arm,psci\"; method = \"smc\";\n"
    "    cpu_on = <0x95c1ba60>; cpu_off = <0x95c1ba61>; };\n"
    "  gic: interrupt-controller@2c001000 { compatible = \"arm,cortex-a15-gic\";\n"
    "    #interrupt-cells = <3>; #address-cells = <0>; interrupt-controller;\n"
    "    reg = <0x2c001000 0x1000>, <0x2c002000 0x2000>; };\n"
    "  pmu { compatible = \"arm,cortex-a53-pmu\"; interrupts = <0 60 4>, <0 61 4>;\n"
    "    interrupt-affinity = <&c0>, <&c1>; };\n"
    "  clk: clk24 { compatible = \"fixed-clock\"; #clock-cells = <0>;\n"
    "    clock-frequency = <24000000>; };\n"
    "  soc { compatible = \"simple-bus\"; #address-cells = <1>; #size-cells = <1>; ranges;\n"
    "    uart0: serial@1c090000 { compatible = \"arm,pl011\", \"arm,primecell\";\n"
    "      reg = <0x1c090000 0x1000>; interrupts = <0 5 4>;\n"
    "      clocks = <&clk>, <&clk>; clock-names = \"uartclk\", \"apb_pclk\"; };\n"
    "    sram@2e000000 { device_type = \"memory\"; reg = <0x2e000000 0x10000>; };\n"
    "  };\n"
    "  chosen { bootargs = \"old args\"; stdout-path = \"/soc/serial@1c090000\";\n"
    "    linux,initrd-start = <0x88000000>; linux,initrd-end = <0x88100000>;\n"
    "    extra { note = \"kept\"; }; };\n"
    "};\n";

static void patch_board(void **state)
{
    (void)state;
    struct blob b = compile_dts(board_dts);
    struct fdt src;
    assert_int_equal(fdt_open(&src, b.data, b.size), 0);
    u32 c0_ph = 0, l2_ph = 0;
    assert_true(fdt_prop_u32(&src, node_at(&src, "/cpus/cpu@0"), "phandle", &c0_ph));
    assert_true(fdt_prop_u32(&src, node_at(&src, "/cpus/l2-cache0"), "phandle", &l2_ph));

    struct vm_fdt_params p = base_params(3, VM_FDT_GIC_NONE);
    p.mem[0].base = 0x80000000;
    p.mem[0].size = MiB(512);
    u8 *buf = malloc(BUF_CAP);
    int n = vm_fdt_patch(b.data, b.size, &p, buf, BUF_CAP);
    assert_true(n > 0);
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);

    /* Reservations copied. */
    assert_int_equal(f.rsv_count, 2);
    u64 a = 0, s = 0;
    assert_true(fdt_mem_rsv(&f, 0, &a, &s));
    assert_int_equal(a, 0x48000000);
    assert_int_equal(s, 0x10000);
    assert_true(fdt_mem_rsv(&f, 1, &a, &s));
    assert_int_equal(a, 0x49000000);
    assert_int_equal(s, 0x2000);

    /* Memory in the root's 1 + 1 cells; the three source memory nodes are gone. */
    assert_int_equal(count_memory_nodes(&f), 1);
    const u32 mreg[] = {0x80000000, 0x20000000};
    assert_cells(&f, node_at(&f, "/memory@80000000"), "reg", mreg, 2);
    assert_no_node(&f, "/sdram@80000000");
    assert_no_node(&f, "/memory@c0000000");
    assert_no_node(&f, "/soc/sram@2e000000");
    node_at(&f, "/soc/serial@1c090000");

    /* cpus keeps its 2 address cells. */
    int cpus = node_at(&f, "/cpus");
    assert_u32(&f, cpus, "#address-cells", 2);
    int c0 = node_at(&f, "/cpus/cpu@0");
    const u32 r0[] = {0, 0};
    assert_cells(&f, c0, "reg", r0, 2);
    assert_string(&f, c0, "enable-method", "psci");
    assert_string(&f, c0, "compatible", "arm,cortex-a53");
    assert_no_prop(&f, c0, "cpu-release-addr");
    assert_no_prop(&f, c0, "status");
    assert_u32(&f, c0, "phandle", c0_ph);
    assert_u32(&f, c0, "next-level-cache", l2_ph);
    assert_u32(&f, node_at(&f, "/cpus/cpu@0/l1-cache"), "cache-level", 1);
    int c2 = node_at(&f, "/cpus/cpu@2");
    const u32 r2[] = {0, 2};
    assert_cells(&f, c2, "reg", r2, 2);
    assert_string(&f, c2, "compatible", "arm,cortex-a53");
    assert_no_node(&f, "/cpus/cpu@100");
    node_at(&f, "/cpus/cpu-map/cluster0/core1"); /* references only kept cpus */
    assert_u32(&f, node_at(&f, "/cpus/l2-cache0"), "phandle", l2_ph);
    assert_int_equal(count_children(&f, cpus), 5);

    int psci = node_at(&f, "/psci");
    assert_string(&f, psci, "method", "hvc");
    assert_true(fdt_is_compatible(&f, psci, "arm,psci-1.0"));
    assert_false(fdt_is_compatible(&f, psci, "arm,psci"));
    assert_u32(&f, psci, "cpu_on", 0x95c1ba60);

    /* No bootargs given: the source's stay. No initrd: the stale range goes. */
    int chosen = node_at(&f, "/chosen");
    assert_string(&f, chosen, "bootargs", "old args");
    assert_string(&f, chosen, "stdout-path", "/soc/serial@1c090000");
    assert_no_prop(&f, chosen, "linux,initrd-start");
    assert_no_prop(&f, chosen, "linux,initrd-end");
    assert_string(&f, node_at(&f, "/chosen/extra"), "note", "kept");

    assert_phandles_resolve(&f);
    assert_dtc_clean(buf, n);

    /* cpu@1 gone: cpu-map references it and is dropped. */
    p = base_params(2, VM_FDT_GIC_NONE);
    p.mem[0].base = 0x80000000;
    p.cpu_hwid[1] = 0x100;
    p.bootargs = "new args";
    p.has_initrd = true;
    p.initrd_start = 0x84000000;
    p.initrd_end = 0x84100000;
    n = vm_fdt_patch(b.data, b.size, &p, buf, BUF_CAP);
    assert_true(n > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    assert_no_node(&f, "/cpus/cpu-map");
    assert_no_node(&f, "/cpus/cpu@1");
    assert_string(&f, node_at(&f, "/cpus/cpu@100"), "compatible", "arm,cortex-a72");
    chosen = node_at(&f, "/chosen");
    assert_string(&f, chosen, "bootargs", "new args");
    assert_u64_prop(&f, chosen, "linux,initrd-start", 0x84000000);
    assert_u64_prop(&f, chosen, "linux,initrd-end", 0x84100000);

    /* Memory the root's cells cannot express. */
    p.mem[0].base = 0x100000000ull;
    assert_int_equal(vm_fdt_patch(b.data, b.size, &p, buf, BUF_CAP), -1);
    p.mem[0].base = 0x80000000;
    p.mem[0].size = GiB(4);
    assert_int_equal(vm_fdt_patch(b.data, b.size, &p, buf, BUF_CAP), -1);
    /* A vCPU MPIDR with Aff3 widens /cpus. */
    p.mem[0].size = MiB(256);
    p.cpu_hwid[1] = 0x100000000ull;
    n = vm_fdt_patch(b.data, b.size, &p, buf, BUF_CAP);
    assert_true(n > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    const u32 r3[] = {1, 0};
    assert_cells(&f, node_at(&f, "/cpus/cpu@100000000"), "reg", r3, 2);
    free(buf);
    free(b.data);
}

/* A tree without memory, cpus, psci or chosen gets all four. */
static void patch_minimal(void **state)
{
    (void)state;
    struct blob b = compile_dts("/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>; model = \"m\";\n"
                                "  cpus { #address-cells = <1>; #size-cells = <0>; }; };\n");
    struct vm_fdt_params p = base_params(2, VM_FDT_GIC_NONE);
    p.bootargs = "quiet";
    p.has_initrd = true;
    p.initrd_start = 0x48000000;
    p.initrd_end = 0x48001000;
    u8 *buf = malloc(BUF_CAP);
    int n = vm_fdt_patch(b.data, b.size, &p, buf, BUF_CAP);
    assert_true(n > 0);
    struct fdt f;
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    assert_string(&f, fdt_root(&f), "model", "m");
    const u32 mreg[] = {0, 0x40000000, 0, 0x10000000};
    assert_cells(&f, node_at(&f, "/memory@40000000"), "reg", mreg, 4);
    check_cpu(&f, "/cpus/cpu@0", 0);
    check_cpu(&f, "/cpus/cpu@1", 1);
    assert_string(&f, node_at(&f, "/psci"), "method", "hvc");
    int chosen = node_at(&f, "/chosen");
    assert_string(&f, chosen, "bootargs", "quiet");
    assert_u64_prop(&f, chosen, "linux,initrd-start", 0x48000000);
    assert_u64_prop(&f, chosen, "linux,initrd-end", 0x48001000);
    free(b.data);

    /* Not even /cpus; root cells absent (defaults 2 and 1). */
    b = compile_dts("/dts-v1/;\n/ { };\n");
    n = vm_fdt_patch(b.data, b.size, &p, buf, BUF_CAP);
    assert_true(n > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    const u32 mreg1[] = {0, 0x40000000, 0x10000000};
    assert_cells(&f, node_at(&f, "/memory@40000000"), "reg", mreg1, 3);
    check_cpu(&f, "/cpus/cpu@1", 1);
    node_at(&f, "/psci");
    node_at(&f, "/chosen");
    free(b.data);

    /* PSCI deeper in the tree is rewritten in place; no second one is added. */
    b = compile_dts("/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>;\n"
                    "  firmware { fw_psci: psci-fw { compatible = \"arm,psci-0.2\"; method = \"smc\"; }; };\n"
                    "  user { fw = <&fw_psci>; }; };\n");
    n = vm_fdt_patch(b.data, b.size, &p, buf, BUF_CAP);
    assert_true(n > 0);
    assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
    int psci = node_at(&f, "/firmware/psci-fw");
    assert_string(&f, psci, "method", "hvc");
    assert_true(fdt_is_compatible(&f, psci, "arm,psci-1.0"));
    assert_true(fdt_prop(&f, psci, "phandle", NULL) != NULL);
    assert_no_node(&f, "/psci");
    assert_int_equal(fdt_find_compatible(&f, psci, "arm,psci-0.2"), -1);
    assert_dtc_clean(buf, n);
    free(b.data);
    free(buf);
}

/* Every capacity short of the size fails cleanly, reservation copying included. */
static void patch_board_overflow(void **state)
{
    (void)state;
    struct blob b = compile_dts(board_dts);
    struct vm_fdt_params p = base_params(2, VM_FDT_GIC_NONE);
    p.mem[0].base = 0x80000000;
    u8 *ref = malloc(BUF_CAP);
    int need = vm_fdt_patch(b.data, b.size, &p, ref, BUF_CAP);
    assert_true(need > 0);
    for (size_t cap = 0; cap <= (size_t)need; cap++) {
        u8 *buf = malloc(cap + 64);
        memset(buf, 0xa5, cap + 64);
        int n = vm_fdt_patch(b.data, b.size, &p, buf, cap);
        if (cap < (size_t)need) {
            assert_int_equal(n, -1);
        } else {
            assert_int_equal(n, need);
            assert_memory_equal(buf, ref, (size_t)need);
        }
        for (size_t i = cap; i < cap + 64; i++)
            assert_int_equal(buf[i], 0xa5);
        free(buf);
    }
    free(ref);
    free(b.data);
}

/* Every single-bit flip of a source tree: -1, or an output the reader accepts. */
static void patch_bitflips(void **state)
{
    (void)state;
    struct blob b = compile_dts(board_dts);
    struct vm_fdt_params p = base_params(2, VM_FDT_GIC_NONE);
    p.mem[0].base = 0x80000000;
    p.bootargs = "x";
    u8 *copy = malloc(b.size);
    u8 *buf = malloc(BUF_CAP);
    int ok = 0, refused = 0;
    for (size_t i = 0; i < b.size; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, b.data, b.size);
            copy[i] ^= (u8)(1u << bit);
            int n = vm_fdt_patch(copy, b.size, &p, buf, BUF_CAP);
            if (n < 0) {
                refused++;
                continue;
            }
            struct fdt f;
            assert_int_equal(fdt_open(&f, buf, (size_t)n), 0);
            ok++;
        }
    }
    assert_true(ok > 0);
    assert_true(refused > 0);
    free(buf);
    free(copy);
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest gen[] = {
        cmocka_unit_test(gen_v3_one_cpu_full),
        cmocka_unit_test(gen_v3_two_cpus_bare),
        cmocka_unit_test(gen_virtio_devices),
        cmocka_unit_test(gen_shmem_regions),
        cmocka_unit_test(gen_v2_two_cpus),
        cmocka_unit_test(gen_mpidr_layouts),
        cmocka_unit_test(gen_bad_params),
        cmocka_unit_test(gen_overflow),
        cmocka_unit_test(patch_generated_is_identity),
    };
    const struct CMUnitTest qemu[] = {
        cmocka_unit_test(patch_qemu_two_cpus),  cmocka_unit_test(patch_qemu_all_cpus),
        cmocka_unit_test(patch_qemu_new_mpidr), cmocka_unit_test(patch_qemu_overflow),
        cmocka_unit_test(patch_qemu_malformed), cmocka_unit_test(gen_with_host_devices),
    };
    const struct CMUnitTest board[] = {
        cmocka_unit_test(patch_board),
        cmocka_unit_test(patch_minimal),
        cmocka_unit_test(patch_board_overflow),
        cmocka_unit_test(patch_bitflips),
    };
    int failed = cmocka_run_group_tests_name("vm_fdt_generate", gen, NULL, NULL);
    failed += cmocka_run_group_tests_name("vm_fdt_patch_qemu", qemu, qemu_setup, qemu_teardown);
    failed += cmocka_run_group_tests_name("vm_fdt_patch_board", board, NULL, NULL);
    return failed;
}
