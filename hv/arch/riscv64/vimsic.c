/* Guest interrupt files (<arch/vimsic.h>). A VM with interrupt_mode = "passthrough" owns its
 * pCPUs (sched_claim_pcpus), so each vCPU can keep guest file VIMSIC_GUEST_FILE of its pCPU's
 * IMSIC for the VM's life: hstatus.VGEIN names it, which makes the guest's vstopei, vsiselect and
 * vsireg that file's registers (no trap) and its pending-and-enabled state the guest's VSEIP;
 * its page is mapped at the guest's IMSIC address (for the guest's own MSI writes); the VM's
 * passed-through device sources are set in the host APLIC to send their MSIs to it.
 *
 * A vCPU halted in the hypervisor (an SBI HSM suspend; WFI does not trap on an owned pCPU) is
 * woken by the supervisor guest external interrupt: hgeie's bit for the file is set while it
 * waits and cleared by the handler, so a running guest's device interrupts never exit. */
#include <arch/hcsr.h>
#include <arch/vcpu_parts.h>
#include <arch/vimsic.h>
#include <base/boot.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <drivers/riscv_aia.h>
#include <drivers/riscv_plic.h>
#include <hv/arch.h>
#include <hv/sched.h>
#include <hv/vm.h>

#define ISEL_EIDELIVERY 0x70
#define ISEL_EITHRESHOLD 0x72
#define ISEL_EIP0 0x80
#define ISEL_EIE0 0xc0
#define ISEL_WORDS 64 /* eip0..eip63, eie0..eie63 (identities 0..2047) */
#define MAX_SOURCES 1024u

static struct vm *source_owner[MAX_SOURCES]; /* APLIC sources given to a VM (under owner_lock) */
static spinlock_t owner_lock;
static bool sgei_handler_set;

u32 vimsic_ids(void) { return 63; } /* QEMU's files have 255; the guest is told of fewer (docs) */

static void sgei(irq_t irq, void *arg)
{
    (void)irq, (void)arg;
    hcsr_write(CSR_HGEIE, 0);
    struct vcpu *v = vcpu_arch_loaded(cpu_id());
    if (v && v->arch.vgein)
        riscv_vcpu_raise(v, 0); /* runnable again: the file's VSEIP is live at the next entry */
}

int vimsic_setup(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    if (!aia_present() || aia_guest_files() < VIMSIC_GUEST_FILE) {
        diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                   "\"passthrough\" needs the host's AIA (an IMSIC with guest interrupt files; QEMU: "
                   "-M virt,aia=aplic-imsic,aia-guests=N, PLATFORM=qemu-riscv64-virt-aia)");
        return -1;
    }
    for (u32 i = 0; i < vm->vcpu_count; i++) {
        struct vcpu *v = vm->vcpus[i];
        u64 file = aia_guest_file_hpa(v->pcpu, VIMSIC_GUEST_FILE);
        if (vm_arch_map(vm, gpa(VIMSIC_GPA + v->hwid * PAGE_SIZE), hpa(file), PAGE_SIZE,
                        S2_READ | S2_WRITE | S2_DEVICE) != 0) {
            diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode", "cannot map vCPU %u's interrupt file", i);
            return -1;
        }
        v->arch.vgein = VIMSIC_GUEST_FILE;
        v->arch.file_dirty = true;
        v->arch.regs.hstatus = (v->arch.regs.hstatus & ~HSTATUS_VGEIN_MASK) |
                               (u64)VIMSIC_GUEST_FILE << HSTATUS_VGEIN_SHIFT;
    }
    if (!sgei_handler_set) {
        sgei_handler_set = true;
        irq_set_handler(RISCV_IRQ_SGEI, sgei, NULL);
    }
    vm->arch.imsic = true;
    LOG_AT(LOG_INFO, (long)vm->id, "guest interrupt files: file %u of each vCPU's pCPU at %#llx", VIMSIC_GUEST_FILE,
           (unsigned long long)VIMSIC_GPA);
    return 0;
}

bool vimsic_give_source(struct vm *vm, u32 host_irq)
{
    u32 src = host_irq - RISCV_IRQ_PLIC;
    const char *why = NULL;
    spin_lock(&owner_lock);
    if (host_irq < RISCV_IRQ_PLIC || src == 0 || src > aia_sources() || src >= MAX_SOURCES || src > vimsic_ids())
        why = "not a source the guest file can take";
    else if (irq_has_handler(host_irq) || host_irq == boot_info.uart_intid) /* (console input starts later) */
        why = "the hypervisor takes it";
    else if (source_owner[src] && source_owner[src] != vm)
        why = "another VM has it";
    else
        source_owner[src] = vm;
    spin_unlock(&owner_lock);
    if (why) {
        LOG_AT(LOG_WARN, (long)vm->id, "host interrupt source %u not given to the VM (%s)", src, why);
        return false;
    }
    struct vcpu *v = vm->vcpus[0];
    aia_route_to_guest(src, v->pcpu, VIMSIC_GUEST_FILE, src);
    LOG_AT(LOG_INFO, (long)vm->id, "APLIC source %u -> guest file %u of pCPU %u, identity %u", src,
           VIMSIC_GUEST_FILE, v->pcpu, src);
    return true;
}

void vimsic_release(struct vm *vm)
{
    if (!vm->arch.imsic)
        return;
    spin_lock(&owner_lock);
    for (u32 s = 1; s < MAX_SOURCES; s++)
        if (source_owner[s] == vm) {
            aia_source_off(s);
            source_owner[s] = NULL;
        }
    spin_unlock(&owner_lock);
}

static void file_write(u32 isel, u64 v)
{
    hcsr_write(CSR_VSISELECT, isel);
    hcsr_write(CSR_VSIREG, v);
}

/* With hstatus.VGEIN live for the file: delivery off, threshold 0, nothing pending or enabled. */
void vimsic_load(struct vcpu *vcpu)
{
    u64 hs = hcsr_read(CSR_HSTATUS);
    hcsr_write(CSR_HSTATUS, (hs & ~HSTATUS_VGEIN_MASK) | (u64)vcpu->arch.vgein << HSTATUS_VGEIN_SHIFT);
    if (vcpu->arch.file_dirty) {
        vcpu->arch.file_dirty = false;
        file_write(ISEL_EIDELIVERY, 0);
        file_write(ISEL_EITHRESHOLD, 0);
        /* rv64: eip0/eie0, eip2/eie2, ...: only as many as the file has identities (another is an
         * illegal instruction) */
        for (u32 w = 0; w < ISEL_WORDS && w * 32 <= aia_ids(); w += 2) {
            file_write(ISEL_EIE0 + w, 0);
            file_write(ISEL_EIP0 + w, 0);
        }
        hcsr_write(CSR_VSISELECT, 0);
    }
}

void vimsic_arm_wakeup(struct vcpu *vcpu)
{
    if (!vcpu->arch.vgein)
        return;
    irq_enable(RISCV_IRQ_SGEI);
    hcsr_write(CSR_HGEIE, 1ull << vcpu->arch.vgein);
}
