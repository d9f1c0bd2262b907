/* Hardware list registers for the generic vGIC, on either host GIC:
 *  - GICv3: ICH_LR<n>_EL2, ICH_HCR_EL2, ICH_VMCR_EL2 system registers;
 *  - GICv2 with virtualization extensions: the memory-mapped GICH frame (GICH_LRn, GICH_HCR,
 *    GICH_VMCR, GICH_APR). The VM's GICC is the GICV frame, mapped at stage 2.
 * The choice is made once, from the host GIC the base found (irq_host_gic_version). */
#include <arch/sysreg.h>
#include <arch/vgic_lr.h>
#include <base/irq.h>
#include <base/machine.h>
#include <base/percpu.h>
#include <drivers/gic.h>

#define ICH_HCR_EN (1ull << 0)
#define ICH_HCR_UIE (1ull << 1)
#define LR_GROUP1 (1ull << 60)
#define LR_HW (1ull << 61)
#define LR_EOI (1ull << 41)       /* HW = 0: maintenance interrupt on deactivation */
#define LR_PINTID_SHIFT 32       /* HW = 1: the physical INTID [41:32] the guest deactivates too */

#define GICH_HCR 0x000
#define GICH_VTR 0x004
#define GICH_VMCR 0x008
#define GICH_APR 0x0f0
#define GICH_LR0 0x100
#define GICH_LR_EOI (1u << 19) /* HW = 0: maintenance interrupt on deactivation */
#define GICH_LR_HW (1u << 31)
#define GICH_LR_PHYSID_SHIFT 10 /* HW = 1: PhysicalID [19:10] */

static inline bool host_v2(void) { return irq_host_gic_version == 2; }
static inline volatile u32 *gich(u32 off) { return (volatile u32 *)(uintptr_t)(irq_gicv2_hyp_base() + off); }
/* Out of line, so the functions below stay leaf functions (no stack frame) on a GICv3 host. */
static __attribute__((noinline)) void gich_write(u32 off, u32 v) { *gich(off) = v; }

static u32 clamp_lrs(u32 n) { return n > 16 ? 16 : n; }
static __attribute__((noinline)) u32 gich_lr_count(void) { return clamp_lrs((*gich(GICH_VTR) & 0x3f) + 1); }

static u32 lr_count; /* the same on every CPU: read once */

u32 vgic_lr_count(void)
{
    if (lr_count)
        return lr_count;
    u32 n = host_v2() ? gich_lr_count() : clamp_lrs((u32)(read_sysreg_s("S3_4_C12_C11_1") & 0x1f) + 1); /* ICH_VTR_EL2.ListRegs */
    __atomic_store_n(&lr_count, n, __ATOMIC_RELAXED);
    return n;
}

/* hv/arch/aarch64/vgic/ich_lr.S */
u64 ich_lr_read(u32 n);
void ich_lr_write(u32 n, u64 value);
bool ich_lr_write_if_free(u32 n, u64 value);

/* GICH_LR: VirtualID [9:0], CPUID [12:10] (SGIs), EOI [19] or PhysicalID [19:10] (HW),
 * Priority [27:23], State [29:28], HW [31]. */
void vgic_lr_write(u32 i, u32 intid, u8 priority, enum lr_state state, bool eoi, bool hw)
{
    if (host_v2()) {
        u32 link = hw ? GICH_LR_HW | (intid & 0x3ff) << GICH_LR_PHYSID_SHIFT : eoi ? GICH_LR_EOI : 0;
        gich_write(GICH_LR0 + 4 * i, state == LR_INVALID ? 0
                                                         : ((u32)state << 28) | ((u32)(priority >> 3) << 23) |
                                                               link | (intid & 0x1fff));
        return;
    }
    u64 link = hw ? LR_HW | (u64)(intid & 0x3ff) << LR_PINTID_SHIFT : eoi ? LR_EOI : 0;
    u64 v = state == LR_INVALID ? 0 : ((u64)state << 62) | LR_GROUP1 | ((u64)priority << 48) | link | intid;
    ich_lr_write(i, v);
}

static __attribute__((noinline)) bool gich_lr_write_if_free(u32 i, u32 intid, u8 priority, bool eoi)
{
    if ((*gich(GICH_LR0 + 4 * i) >> 28) & 3)
        return false;
    gich_write(GICH_LR0 + 4 * i,
               (u32)LR_PENDING << 28 | (u32)(priority >> 3) << 23 | (eoi ? GICH_LR_EOI : 0) | (intid & 0x1fff));
    return true;
}

bool vgic_lr_write_if_free(u32 i, u32 intid, u8 priority, bool eoi)
{
    if (host_v2())
        return gich_lr_write_if_free(i, intid, priority, eoi);
    return ich_lr_write_if_free(i, (u64)LR_PENDING << 62 | LR_GROUP1 | (u64)priority << 48 | (eoi ? LR_EOI : 0) | intid);
}

static __attribute__((noinline)) enum lr_state gich_lr_state(u32 i)
{
    return (enum lr_state)((*gich(GICH_LR0 + 4 * i) >> 28) & 3);
}

/* The link needs the physical interrupt left active by the host (EOImode 1): both host
 * drivers do that. */
bool vgic_lr_hw_link_ok(void)
{
    return true;
}

/* (GICv2 host: a GICH_LR value.) */
u64 vgic_lr_hw_pending(u32 intid, u8 priority)
{
    if (host_v2())
        return (u32)LR_PENDING << 28 | (u32)(priority >> 3) << 23 | GICH_LR_HW | intid << GICH_LR_PHYSID_SHIFT | intid;
    return (u64)LR_PENDING << 62 | LR_GROUP1 | (u64)priority << 48 | LR_HW | (u64)intid << LR_PINTID_SHIFT | intid;
}

/* The exit vector serves a GICv3 host's steady tick when the vGIC's gen equals tick_gen, a GICv2
 * host's when it equals -tick_gen (guest_switch.S; gen is never 0 there, nor near 2^63). */
u64 vgic_lr_tick_gen(u64 gen) { return host_v2() ? 0 - gen : gen; }

enum lr_state vgic_lr_state(u32 i)
{
    if (host_v2())
        return gich_lr_state(i);
    return (enum lr_state)(ich_lr_read(i) >> 62);
}

/* What each pCPU's ICH_HCR_EL2 / GICH_HCR holds: a write that changes nothing is skipped (the
 * emulated VM's flush clears it before every entry, and under QEMU each write of a GIC
 * virtualization register takes the emulator's global lock). */
static u32 hcr_now[MACHINE_MAX_CPUS];
#define HCR_NOW_KNOWN (1u << 31) /* never a bit written: a pCPU's first write always happens */

void vgic_hcr_write(bool enable, bool underflow)
{
    u32 v = (enable ? ICH_HCR_EN : 0) | (underflow ? ICH_HCR_UIE : 0); /* same bits in GICH_HCR */
    u32 *now = &hcr_now[cpu_id()];
    if (*now == (v | HCR_NOW_KNOWN))
        return;
    *now = v | HCR_NOW_KNOWN;
    if (host_v2())
        gich_write(GICH_HCR, (u32)v);
    else
        write_sysreg_s("S3_4_C12_C11_0", v);
}

void vgic_cpuif_save(u64 *vmcr, u64 ap1r[4])
{
    if (host_v2()) {
        *vmcr = *gich(GICH_VMCR);
        ap1r[0] = *gich(GICH_APR);
        return;
    }
    *vmcr = read_sysreg_s("S3_4_C12_C11_7");
    ap1r[0] = read_sysreg_s("S3_4_C12_C9_0");
}

void vgic_cpuif_restore(u64 vmcr, const u64 ap1r[4])
{
    if (host_v2()) {
        *gich(GICH_VMCR) = (u32)vmcr;
        *gich(GICH_APR) = (u32)ap1r[0];
        return;
    }
    write_sysreg_s("S3_4_C12_C11_7", vmcr);
    write_sysreg_s("S3_4_C12_C9_0", ap1r[0]);
}
