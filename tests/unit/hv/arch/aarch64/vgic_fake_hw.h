/* Fakes for the vGIC unit tests (tests/unit/hv/arch/aarch64/test_vgic.c): a list-register file per physical
 * CPU standing in for ICH_LR<n>_EL2 / ICH_HCR_EL2 / ICH_VMCR_EL2, a guest that acknowledges and
 * deactivates what those list registers hold, and a scheduler that records kicks.
 *
 * The arch interface (<arch/vgic_lr.h>) has no CPU argument: like the hardware, it acts on the
 * "current" physical CPU, chosen with fake_hw_on_cpu(). The list registers of a physical CPU keep
 * their contents until rewritten, whichever vCPU runs there next, exactly as on hardware. */
#ifndef TESTS_UNIT_VGIC_FAKE_HW_H
#define TESTS_UNIT_VGIC_FAKE_HW_H

#include <arch/vgic_lr.h>
#include <arch/vgic.h>
#include <lib/types.h>

#define FAKE_NR_PCPUS 8
#define FAKE_SPURIOUS 1023u

struct fake_lr {
    u32 intid;
    u8 priority;
    enum lr_state state;
    bool eoi; /* maintenance interrupt on deactivation requested */
    bool hw;  /* linked to the physical interrupt of the same INTID */
};

struct fake_pcpu {
    struct fake_lr lr[VGIC_MAX_LRS];
    bool hcr_enable;    /* ICH_HCR_EL2.En as last written */
    bool hcr_underflow; /* ICH_HCR_EL2.UIE as last written */
    u32 hcr_writes;
    u64 vmcr, ap1r[4];
};

struct fake_hw {
    u32 nr_lrs; /* what vgic_lr_count() reports */
    u32 cpu;    /* the physical CPU the vgic_lr_* calls act on */
    struct fake_pcpu pcpu[FAKE_NR_PCPUS];
    u32 lr_writes; /* vgic_lr_write calls, all CPUs */
    u32 kicks[FAKE_NR_PCPUS];
    u32 total_kicks;
    u32 last_kick;
    /* Misuse of the interface (LR index out of range, one INTID in two valid LRs at guest entry,
     * a kick for a CPU that does not exist): counted, and the first one described, for the tests to check. */
    u32 errors;
    char first_error[160];
    bool virq[FAKE_NR_PCPUS]; /* virtual IRQ line per vCPU id (software CPU interface) */
    u32 deactivations, last_deactivated; /* vcpu_arch_irq_deactivated calls */
    /* vcpu_arch_irq_line per vCPU id: whether the hw line can be read, and its level. */
    bool hw_line_readable[FAKE_NR_PCPUS], hw_line[FAKE_NR_PCPUS];
    bool hw_link_broken; /* vgic_lr_hw_link_ok() says false */
    void (*host_handler[1020])(u32, void *);
    void *host_arg[1020];
    bool host_enabled[1020];
};

extern struct fake_hw fake_hw;

/* Everything invalid/zero, nr_lrs list registers (1..VGIC_MAX_LRS), current CPU 0. */
void fake_hw_reset(u32 nr_lrs);
void fake_hw_on_cpu(u32 cpu);
struct fake_pcpu *fake_cur(void);
void fake_clear_kicks(void);

/* Records an error when the current CPU's LRs are not fit to enter a guest with (one INTID in
 * two valid LRs). Called by the tests after each vgic_flush. */
void fake_hw_check_entry(void);

/* List registers of the current CPU as the guest sees them. */
int fake_lr_find(u32 intid); /* index of the valid LR holding intid, or -1 */
enum lr_state fake_lr_state_of(u32 intid);
u32 fake_lr_valid_count(void);

/* Guest actions on the current CPU (virtual CPU interface, EOImode 0):
 * ack reads ICC_IAR1_EL1: the highest-priority (lowest value, then lowest LR index) LR in the
 * pending state whose priority is higher than every active LR's (the running priority) moves
 * to active; returns its INTID or FAKE_SPURIOUS. ack_intid does the same for one INTID (false
 * if it is not pending in an LR or is masked by the running priority).
 * eoi writes ICC_EOIR1_EL1: active -> invalid, pending+active -> pending; false if intid is not
 * active in any LR. */
u32 fake_guest_ack(void);
/* The exit vector's steady timer tick (guest_switch.S) on the current CPU: v's recorded list
 * register rewritten if the vGIC's gen still reads what was recorded and the guest is done with
 * it; false, nothing written, otherwise. */
struct vcpu;
bool fake_steady_tick(struct vcpu *v);
bool fake_guest_ack_intid(u32 intid);
bool fake_guest_eoi(u32 intid);

#endif
