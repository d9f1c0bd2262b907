/* interrupt_mode = "passthrough": the guest's distributor accesses reach the physical GICD only
 * for its own interrupts, and only as accesses the distributor takes (naturally aligned 8 and 32
 * bits): an unaligned access to Device memory faults at EL2 on hardware. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <base/irq.h>
#include <base/log.h>
#include <drivers/gic.h>
#include <hv/arch.h>
#include <arch/vgic.h>
#include <hv/vm.h>
#include <lib/string.h>

/* ---- a fake physical distributor ---- */

static u32 accesses, bad_accesses;
static u32 last_off, last_value;

static void check_access(u32 offset, u8 width)
{
    accesses++;
    if ((width != 1 && width != 4) || (offset & (width - 1)))
        bad_accesses++;
}

u32 gic_dist_read(u32 offset, u8 width)
{
    check_access(offset, width);
    last_off = offset;
    return 0x12345678u;
}

void gic_dist_write(u32 offset, u8 width, u32 value)
{
    check_access(offset, width);
    last_off = offset;
    last_value = value;
}

u8 gic_cpu_if_mask(u32 cpu) { return (u8)(1u << cpu); }
u64 gic_v2_cpu_base(void) { return 0x08010000; }

static struct vdev *added;
void vm_add_vdev(struct vm *vm, struct vdev *dev)
{
    (void)vm;
    added = dev;
}
int vm_arch_map(struct vm *vm, gpa_t g, hpa_t h, u64 size, u32 flags)
{
    (void)vm, (void)g, (void)h, (void)size, (void)flags;
    return 0;
}
void vcpu_arch_set_irq_passthrough(struct vcpu *vcpu) { vcpu->arch.irq_passthrough = true; }
void log_write(enum log_level level, long vm_id, const char *fmt, ...) { (void)level, (void)vm_id, (void)fmt; }

/* ---- a VM with one vCPU on pCPU 1, owning SPI 40 ---- */

static struct vm vm;
static struct vcpu vcpu;

static int setup(void **state)
{
    (void)state;
    memset(&vm, 0, sizeof(vm));
    memset(&vcpu, 0, sizeof(vcpu));
    vcpu.vm = &vm;
    vcpu.pcpu = 1;
    vm.vcpus[0] = &vcpu;
    vm.vcpu_count = 1;
    assert_int_equal(vgic_pt_create(&vm, gpa(0x08000000), gpa(0x08010000)), 0);
    vgic_pt_own(&vm, 40);
    accesses = bad_accesses = 0;
    return 0;
}

static u64 rd(u64 off, u8 width)
{
    u64 v = ~0ull;
    assert_true(added->ops->read(added, &vcpu, off, width, &v));
    return v;
}

static void wr(u64 off, u8 width, u64 v) { assert_true(added->ops->write(added, &vcpu, off, width, v)); }

static void aligned_accesses_reach_the_distributor(void **state)
{
    (void)state;
    assert_int_equal(rd(0x104, 4), 0x12345678u & (1u << 8)); /* ISENABLER1: SPI 40 only */
    wr(0x104, 4, ~0u);
    assert_int_equal(last_off, 0x104);
    assert_int_equal(last_value, 1u << 8);
    wr(0x828, 1, 0x1); /* ITARGETSR byte of SPI 40: vCPU 0 -> pCPU 1 */
    assert_int_equal(last_off, 0x828);
    assert_int_equal(last_value, 0x2);
    rd(0xfe8, 4); /* an ID register */
    assert_true(accesses > 0);
    assert_int_equal(bad_accesses, 0);
}

static void unaligned_and_odd_widths_never_reach_it(void **state)
{
    (void)state;
    static const u64 offs[] = {0x101, 0x102, 0x103, 0xc0a, 0xc09, 0xf11, 0xfe9, 0x829, 0x401, 0x001};
    static const u8 widths[] = {2, 4, 8};
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
            if (!(offs[i] & (widths[w] - 1)) && widths[w] == 4)
                continue; /* aligned word: fine */
            assert_int_equal(rd(offs[i], widths[w]), 0);
            wr(offs[i], widths[w], ~0ull);
        }
    }
    rd(0xfe9, 1); /* an ID register byte: word-only */
    rd(0xc08, 8); /* 64-bit on ICFGR */
    wr(0xf10, 8, ~0ull);
    assert_int_equal(bad_accesses, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(aligned_accesses_reach_the_distributor, setup),
        cmocka_unit_test_setup(unaligned_and_odd_widths_never_reach_it, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
