/* The virtio-pci capability parser (base/drivers/virtio_pci_caps.c): QEMU's virtio-blk-pci layout,
 * the first usable capability of each kind, and a device's bad values (structures outside or past
 * their BAR, I/O or missing BARs, short lengths, looping lists, capabilities at the end of the
 * standard space, notify offsets beyond the notify structure) refused without reading past the
 * 256-byte copy (the test allocates exactly that, under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <drivers/virtio_pci_caps.h>

#define BAR4 0xfe000000ull
#define BAR1 0xfebd1000ull

static u8 *cfg;
static struct pci_bar bars[PCI_BARS];

static void put16(unsigned off, u16 v) { cfg[off] = (u8)v, cfg[off + 1] = (u8)(v >> 8); }
static void put32(unsigned off, u32 v) { put16(off, (u16)v), put16(off + 2, (u16)(v >> 16)); }

/* A vendor capability at `at` linking to `next`. */
static void vcap(u8 at, u8 next, u8 type, u8 bar, u32 off, u32 len, u8 cap_len)
{
    cfg[at] = PCI_CAP_VENDOR;
    cfg[at + 1] = next;
    cfg[at + 2] = cap_len;
    cfg[at + 3] = type;
    cfg[at + 4] = bar;
    put32(at + 8, off);
    put32(at + 12, len);
}

/* A modern virtio-blk-pci as QEMU 7.2 lays it out: MSI-X at 0x98 (table in BAR 1), then vendor
 * capabilities for the common (0x84), notify (0x70, 20 bytes, multiplier 4), device (0x60) and
 * ISR (0x50) structures in the 16 KiB 64-bit BAR 4. */
static int qemu_layout(void **state)
{
    (void)state;
    cfg = calloc(1, PCI_CFG_STD_BYTES);
    put16(PCI_STATUS, PCI_STATUS_CAPABILITIES);
    cfg[PCI_CAPABILITIES] = 0x98;
    cfg[0x98] = PCI_CAP_MSIX;
    cfg[0x99] = 0x84;
    put32(0x98 + PCI_MSIX_TABLE, 0x0 | 1); /* offset 0, BIR 1 */
    vcap(0x84, 0x70, VIRTIO_PCI_CFG_COMMON, 4, 0x0, 0x1000, 16);
    vcap(0x70, 0x60, VIRTIO_PCI_CFG_NOTIFY, 4, 0x3000, 0x1000, 20);
    put32(0x70 + VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER, 4);
    vcap(0x60, 0x50, VIRTIO_PCI_CFG_DEVICE, 4, 0x2000, 0x1000, 16);
    vcap(0x50, 0x00, VIRTIO_PCI_CFG_ISR, 4, 0x1000, 0x1000, 16);
    memset(bars, 0, sizeof(bars));
    bars[1] = (struct pci_bar){BAR1, 0x1000, false};
    bars[4] = (struct pci_bar){BAR4, 0x4000, false};
    return 0;
}

static int release(void **state)
{
    (void)state;
    free(cfg);
    return 0;
}

static void qemu_virtio_blk_pci_parses(void **state)
{
    (void)state;
    struct virtio_pci_layout l;
    assert_null(virtio_pci_parse(cfg, bars, &l));
    assert_int_equal(l.common, BAR4);
    assert_int_equal(l.device, BAR4 + 0x2000);
    assert_int_equal(l.device_len, 0x1000);
    assert_int_equal(l.notify, BAR4 + 0x3000);
    assert_int_equal(l.notify_len, 0x1000);
    assert_int_equal(l.notify_multiplier, 4);
    assert_int_equal(l.msix_cap, 0x98);
    assert_int_equal(l.msix_table, BAR1);
    u64 a;
    assert_true(virtio_pci_queue_notify_addr(&l, 0, &a));
    assert_int_equal(a, BAR4 + 0x3000);
    assert_true(virtio_pci_queue_notify_addr(&l, 3, &a));
    assert_int_equal(a, BAR4 + 0x300c);
}

static void the_first_usable_capability_of_a_kind_is_taken(void **state)
{
    (void)state;
    /* An unusable common structure (BAR 5 does not exist) first in the list, then a good one. */
    vcap(0x84, 0xc0, VIRTIO_PCI_CFG_COMMON, 5, 0x0, 0x1000, 16);
    vcap(0xc0, 0x70, VIRTIO_PCI_CFG_COMMON, 4, 0x800, 0x100, 16);
    /* A second device structure after the good one is ignored. */
    vcap(0x50, 0xd0, VIRTIO_PCI_CFG_ISR, 4, 0x1000, 0x1000, 16);
    vcap(0xd0, 0x00, VIRTIO_PCI_CFG_DEVICE, 4, 0x0, 0x10, 16);
    struct virtio_pci_layout l;
    assert_null(virtio_pci_parse(cfg, bars, &l));
    assert_int_equal(l.common, BAR4 + 0x800);
    assert_int_equal(l.device, BAR4 + 0x2000);
}

static void common_refused(const char *what)
{
    struct virtio_pci_layout l;
    const char *why = virtio_pci_parse(cfg, bars, &l);
    assert_non_null(why);
    assert_string_equal(why, "no usable common configuration structure");
    (void)what;
}

static void structures_outside_their_bar_are_refused(void **state)
{
    (void)state;
    vcap(0x84, 0x70, VIRTIO_PCI_CFG_COMMON, 4, 0x3f00, 0x200, 16); /* past the BAR's end */
    common_refused("past the end");
    vcap(0x84, 0x70, VIRTIO_PCI_CFG_COMMON, 4, 0xfffffff0u, 0x100, 16); /* offset + length wraps */
    common_refused("wraps");
    vcap(0x84, 0x70, VIRTIO_PCI_CFG_COMMON, 4, 0x0, VIRTIO_PCI_COMMON_SIZE - 1, 16); /* too short */
    common_refused("short");
    vcap(0x84, 0x70, VIRTIO_PCI_CFG_COMMON, 6, 0x0, 0x1000, 16); /* no BAR 6 */
    common_refused("BAR 6");
    vcap(0x84, 0x70, VIRTIO_PCI_CFG_COMMON, 0xff, 0x0, 0x1000, 16);
    common_refused("BAR 255");
    vcap(0x84, 0x70, VIRTIO_PCI_CFG_COMMON, 4, 0x0, 0x1000, 12); /* capability shorter than its fields */
    common_refused("cap_len");
    vcap(0x84, 0x70, VIRTIO_PCI_CFG_COMMON, 2, 0x0, 0x40, 16);
    bars[2] = (struct pci_bar){0xc000, 0x40, true}; /* an I/O BAR */
    common_refused("I/O BAR");
    bars[2] = (struct pci_bar){0, 0x1000, false}; /* a BAR the firmware left unassigned */
    common_refused("unassigned BAR");
}

static void missing_structures_and_msix_are_named(void **state)
{
    (void)state;
    struct virtio_pci_layout l;
    cfg[0x70 + 2] = 16; /* no room for the multiplier */
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "no usable notify structure");
    cfg[0x70 + 2] = 20;
    cfg[0x60 + VIRTIO_PCI_CAP_CFG_TYPE] = VIRTIO_PCI_CFG_ISR;
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "no usable device configuration structure");
    cfg[0x60 + VIRTIO_PCI_CAP_CFG_TYPE] = VIRTIO_PCI_CFG_DEVICE;
    put32(0x98 + PCI_MSIX_TABLE, 0x1000 - 8 | 1); /* entry 0 would cross the end of BAR 1 */
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "MSI-X table outside a memory BAR");
    put32(0x98 + PCI_MSIX_TABLE, 7); /* BIR 7 */
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "MSI-X table outside a memory BAR");
    cfg[0x98] = 0x05; /* MSI, not MSI-X */
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "no MSI-X capability");
    put16(PCI_STATUS, 0); /* no capability list at all */
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "no usable common configuration structure");
}

static void looping_lists_and_the_last_bytes_are_safe(void **state)
{
    (void)state;
    struct virtio_pci_layout l;
    cfg[0x99] = 0x84;
    cfg[0x85] = 0x84; /* the common capability links to itself */
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "no usable notify structure");
    assert_int_equal(pci_cfg_find_capability(cfg, 0x42, 0), 0);
    cfg[0x85] = 0x98; /* a loop through MSI-X back to the common capability */
    assert_int_equal(pci_cfg_find_capability(cfg, 0x42, 0), 0);
    /* Capabilities at the very end of the standard space: never read past its 256 bytes. The
     * good notify capability at 0x70 is unlinked; the list goes on at 0xfc, then at 0xf0. */
    cfg[0x85] = 0xfc;
    cfg[0xfc] = PCI_CAP_VENDOR;
    cfg[0xfd] = 0x00;
    cfg[0xfe] = 20;
    cfg[0xff] = VIRTIO_PCI_CFG_NOTIFY;
    assert_int_equal(pci_cfg_find_capability(cfg, PCI_CAP_VENDOR, 0x84), 0xfc);
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "no usable notify structure");
    cfg[0x85] = 0xf0;
    vcap(0xf0, 0x00, VIRTIO_PCI_CFG_NOTIFY, 4, 0x3000, 0x1000, 20); /* no room for its multiplier */
    assert_string_equal(virtio_pci_parse(cfg, bars, &l), "no usable notify structure");
    /* Pointers below 0x40 (into the header) end the list. */
    cfg[PCI_CAPABILITIES] = 0x10;
    assert_int_equal(pci_cfg_find_capability(cfg, PCI_CAP_MSIX, 0), 0);
}

static void notify_offsets_beyond_the_structure_are_refused(void **state)
{
    (void)state;
    struct virtio_pci_layout l;
    assert_null(virtio_pci_parse(cfg, bars, &l));
    u64 a = 0;
    assert_true(virtio_pci_queue_notify_addr(&l, 0x3ff, &a)); /* the last 2 bytes: 0xffc + 2 <= 0x1000 */
    assert_int_equal(a, BAR4 + 0x3ffc);
    assert_false(virtio_pci_queue_notify_addr(&l, 0x400, &a));
    assert_false(virtio_pci_queue_notify_addr(&l, 0xffff, &a));
    put32(0x70 + VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER, 0xffffffffu); /* the product needs 48 bits */
    assert_null(virtio_pci_parse(cfg, bars, &l));
    assert_false(virtio_pci_queue_notify_addr(&l, 0xffff, &a));
    put32(0x70 + VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER, 0); /* every queue at the structure's start */
    assert_null(virtio_pci_parse(cfg, bars, &l));
    assert_true(virtio_pci_queue_notify_addr(&l, 0xffff, &a));
    assert_int_equal(a, BAR4 + 0x3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(qemu_virtio_blk_pci_parses, qemu_layout, release),
        cmocka_unit_test_setup_teardown(the_first_usable_capability_of_a_kind_is_taken, qemu_layout, release),
        cmocka_unit_test_setup_teardown(structures_outside_their_bar_are_refused, qemu_layout, release),
        cmocka_unit_test_setup_teardown(missing_structures_and_msix_are_named, qemu_layout, release),
        cmocka_unit_test_setup_teardown(looping_lists_and_the_last_bytes_are_safe, qemu_layout, release),
        cmocka_unit_test_setup_teardown(notify_offsets_beyond_the_structure_are_refused, qemu_layout, release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
