/* riscv64 vCPU: reset state, switching of the guest's VS-mode state, and decoding of the traps
 * that leave V=1 into generic exits. */
#include <arch/hcsr.h>
#include <arch/mmio_decode.h>
#include <arch/timer.h>
#include <arch/vimsic.h>
#include <arch/vcpu_parts.h>
#include <base/log.h>
#include <base/irq.h>
#include <base/percpu.h>
#include <hv/arch.h>
#include <hv/sched.h>
#include <hv/virq.h>
#include <hv/vm.h>
#include <lib/fmt.h>
#include <lib/string.h>

_Static_assert(__builtin_offsetof(struct guest_regs, sepc) == 32 * 8, "guest_switch.S offsets");
_Static_assert(__builtin_offsetof(struct guest_regs, host_sp) == 35 * 8, "guest_switch.S offsets");
_Static_assert(__builtin_offsetof(struct fp_state, fcsr) == 256, "guest_switch.S offsets");

#define INSN_WFI 0x10500073u
#define REG_A0 10
#define REG_A1 11

/* Exceptions of the guest's own that VS-mode handles (hedeleg): misaligned fetch, illegal
 * instruction, breakpoint, ECALL from VU-mode, and the VS-stage page faults. */
#define GUEST_EXCEPTIONS ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 8) | (1u << 12) | (1u << 13) | (1u << 15))

u64 vcpu_arch_hwid(u32 index) { return index; } /* hart ids 0..n-1, as on QEMU virt */

void vcpu_arch_init(struct vcpu *vcpu)
{
    /* With Sstc the guest owns vstimecmp: no exit per timer. */
    vcpu->arch.henvcfg = riscv_has_sstc ? HENVCFG_STCE : 0;
    vcpu->arch.timer_deadline = ~0ull;
}

/* SBI's hart start (and the boot protocol): a0 = hart id, a1 = the argument, VS-mode, MMU off. */
void vcpu_arch_reset(struct vcpu *vcpu, gpa_t entry, u64 arg)
{
    struct vcpu_arch *a = &vcpu->arch;
    u64 vtw = a->regs.hstatus & HSTATUS_VTW; /* the scheduler's choice (vcpu_arch_trap_wfx) stays */
    memset(&a->regs, 0, sizeof(a->regs));
    memset(&a->vs, 0, sizeof(a->vs));
    memset(&a->fp, 0, sizeof(a->fp));
    a->regs.x[REG_A0] = vcpu->hwid;
    a->regs.x[REG_A1] = arg;
    a->regs.sepc = entry.val;
    a->regs.sstatus = SSTATUS_SPP | SSTATUS_FS_INITIAL;
    a->regs.hstatus = HSTATUS_SPV | HSTATUS_SPVP | vtw | HSTATUS_VSXL_64 | (u64)a->vgein << HSTATUS_VGEIN_SHIFT;
    a->vs.vstimecmp = ~0ull;
    a->timer_deadline = ~0ull;
    a->file_dirty = a->vgein != 0; /* a restarted VM finds its guest file clean too */
    __atomic_store_n(&a->hvip, 0, __ATOMIC_RELAXED);
    /* Written by another pCPU (SBI HSM hart_start): the owner reloads before running. */
    __atomic_store_n(&a->reload, true, __ATOMIC_RELEASE);
}

static void vs_save(struct vs_csrs *s)
{
    s->vsstatus = hcsr_read(CSR_VSSTATUS);
    s->vsie = hcsr_read(CSR_VSIE);
    s->vstvec = hcsr_read(CSR_VSTVEC);
    s->vsscratch = hcsr_read(CSR_VSSCRATCH);
    s->vsepc = hcsr_read(CSR_VSEPC);
    s->vscause = hcsr_read(CSR_VSCAUSE);
    s->vstval = hcsr_read(CSR_VSTVAL);
    s->vsatp = hcsr_read(CSR_VSATP);
    if (riscv_has_sstc)
        s->vstimecmp = hcsr_read(CSR_VSTIMECMP);
}

static void vs_restore(const struct vs_csrs *s)
{
    hcsr_write(CSR_VSSTATUS, s->vsstatus);
    hcsr_write(CSR_VSIE, s->vsie);
    hcsr_write(CSR_VSTVEC, s->vstvec);
    hcsr_write(CSR_VSSCRATCH, s->vsscratch);
    hcsr_write(CSR_VSEPC, s->vsepc);
    hcsr_write(CSR_VSCAUSE, s->vscause);
    hcsr_write(CSR_VSTVAL, s->vstval);
    hcsr_write(CSR_VSATP, s->vsatp);
    if (riscv_has_sstc)
        hcsr_write(CSR_VSTIMECMP, s->vstimecmp);
}

/* Makes vcpu's VS/FP state and G-stage live on this pCPU (lazily: a vCPU that keeps its pCPU
 * pays nothing per exit). */
void vcpu_arch_load(struct vcpu *vcpu)
{
    u32 cpu = cpu_id();
    struct vcpu *prev = vcpu_arch_loaded(cpu);
    bool reload = __atomic_load_n(&vcpu->arch.reload, __ATOMIC_ACQUIRE);
    if (prev == vcpu && !reload)
        return;
    if (prev && prev != vcpu && !prev->arch.reload) {
        vs_save(&prev->arch.vs);
        fp_save(&prev->arch.fp);
    }
    vcpu->arch.reload = false;
    hcsr_write(CSR_HGATP, vcpu->vm->arch.hgatp);
    hcsr_write(CSR_HENVCFG, vcpu->arch.henvcfg);
    vs_restore(&vcpu->arch.vs);
    fp_restore(&vcpu->arch.fp);
    if (vcpu->arch.vgein)
        vimsic_load(vcpu);
    /* VS-stage translations this pCPU holds under the VMID may be another vCPU's, or those of an
     * earlier VM that had the VMID: the guest starts from a clean TLB. */
    hfence_vvma_all();
    vcpu_live_set(cpu, vcpu);
}

void vcpu_arch_unload(struct vcpu *vcpu)
{
    if (vcpu_arch_loaded(vcpu->pcpu) == vcpu && vcpu->pcpu == cpu_id()) {
        vcpu_live_set(vcpu->pcpu, NULL);
        hcsr_write(CSR_HVIP, 0);
        if (riscv_has_sstc)
            hcsr_write(CSR_VSTIMECMP, ~0ull);
    }
}

void hv_arch_cpu_init(void)
{
    gstage_probe_vmids();
    hcsr_write(CSR_HEDELEG, GUEST_EXCEPTIONS);
    hcsr_write(CSR_HIDELEG, HVIP_VS_MASK);
    hcsr_write(CSR_HVIP, 0);
    hcsr_write(CSR_HGEIE, 0);
    hcsr_write(CSR_HCOUNTEREN, HCOUNTEREN_CY_TM_IR); /* the guest reads cycle, time, instret */
    hcsr_write(CSR_HTIMEDELTA, 0);                   /* its time is the host's */
    /* The FP unit on (the hypervisor itself uses none): the guest's FP state is switched. */
    csr_clear(sstatus, SSTATUS_FS_MASK);
    csr_set(sstatus, SSTATUS_FS_INITIAL);
}

u64 vcpu_arch_pc(const struct vcpu *vcpu) { return vcpu->arch.regs.sepc; }

/* A cvisor hypercall's result: SBI's (error, value) pair, a0 = 0 and a1 = the value. */
void vcpu_arch_set_return(struct vcpu *vcpu, u64 value)
{
    vcpu->arch.regs.x[REG_A0] = 0;
    vcpu->arch.regs.x[REG_A1] = value;
}

void vcpu_arch_complete_mmio_read(struct vcpu *vcpu, u64 value)
{
    struct vcpu_arch *a = &vcpu->arch;
    unsigned bits = a->mmio_width * 8u;
    if (bits < 64) {
        value &= (1ull << bits) - 1;
        if (a->mmio_sign && (value >> (bits - 1)) & 1)
            value |= ~0ull << bits;
    }
    if (a->mmio_reg)
        a->regs.x[a->mmio_reg] = value;
}

/* An access fault delivered to the guest's VS-mode as the hart would take it: vsepc at the
 * faulting instruction, vscause/vstval set, vsstatus' SPP/SPIE/SIE stacked, pc at vstvec. The
 * vCPU's VS state is live (it is loaded on this pCPU). */
void vcpu_arch_inject_abort(struct vcpu *vcpu, u64 va, bool instruction)
{
    struct vcpu_arch *a = &vcpu->arch;
    u64 vsstatus = hcsr_read(CSR_VSSTATUS);
    bool from_vs = a->regs.sstatus & SSTATUS_SPP;
    vsstatus = (vsstatus & ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE)) | (from_vs ? SSTATUS_SPP : 0) |
               ((vsstatus & SSTATUS_SIE) ? SSTATUS_SPIE : 0);
    hcsr_write(CSR_VSSTATUS, vsstatus);
    hcsr_write(CSR_VSEPC, a->regs.sepc);
    hcsr_write(CSR_VSCAUSE, instruction ? 1 : a->abort_cause);
    hcsr_write(CSR_VSTVAL, va);
    a->regs.sepc = hcsr_read(CSR_VSTVEC) & ~3ull;
    a->regs.sstatus |= SSTATUS_SPP;
}

/* The guest's instruction at its pc, read through its own translation (HLVX): false when the
 * read faults (the guest changed its page tables, or the pc is not executable). */
static bool fetch_insn(u64 pc, u32 *insn, unsigned *len)
{
    u64 ok;
    u16 lo = (u16)riscv_hlvx_hu(pc, &ok);
    if (!ok)
        return false;
    *len = riscv_insn_len(lo);
    *insn = lo;
    if (*len == 4) {
        u16 hi = (u16)riscv_hlvx_hu(pc + 2, &ok);
        if (!ok)
            return false;
        *insn |= (u32)hi << 16;
    }
    return *len != 0;
}

/* After an exit handled right here: the VS external interrupt as the vPLIC now gives it (a claim
 * withdrew it, a forwarded source raised it) goes straight into the live hvip, and the guest is
 * re-entered without the run loop's pass. Any other change of the vCPU's pending bits needs the
 * loop's pre-entry hook: false. */
static bool hvip_resync(struct vcpu_arch *a)
{
    u64 now = __atomic_load_n(&a->hvip, __ATOMIC_ACQUIRE), diff = now ^ a->hvip_entered;
    if (diff & ~HVIP_VSEIP)
        return false;
    if (diff) {
        hcsr_write(CSR_HVIP, (hcsr_read(CSR_HVIP) & ~HVIP_VSEIP) | (now & HVIP_VSEIP));
        a->hvip_entered ^= diff;
    }
    return true;
}

/* A load or store of the VM's own vPLIC (the guest's claim and completion of every device
 * interrupt), emulated in the exit path: no generic MMIO exit, no run-loop pass unless its
 * interrupt delivery changed beyond VSEIP. Anything the vPLIC does not take (another width, a
 * misaligned address) goes the generic way, which reports it. */
static bool vplic_in_place(struct vcpu *vcpu, u64 addr, const struct riscv_mmio_insn *d, bool write,
                           struct vcpu_exit *exit)
{
    struct vcpu_arch *a = &vcpu->arch;
    u64 value = write ? a->regs.x[d->reg] : 0;
    if (!riscv_vplic_access(vcpu->vm, addr, d->width, write, &value))
        return false;
    vcpu->stats.mmio++;
    if (!write)
        vcpu_arch_complete_mmio_read(vcpu, value);
    a->regs.sepc += d->len;
    exit->reason = hvip_resync(a) ? VCPU_EXIT_RETRY : VCPU_EXIT_NONE;
    return true;
}

/* A guest-page fault: on-demand RAM, or an access to guest-physical space no region maps, which
 * is MMIO when the instruction is an integer load or store. */
static void guest_page_fault(struct vcpu *vcpu, u64 cause, u64 stval, struct vcpu_exit *exit)
{
    struct vcpu_arch *a = &vcpu->arch;
    u64 htval = hcsr_read(CSR_HTVAL), htinst = hcsr_read(CSR_HTINST);
    u64 addr = (htval << 2) | (stval & 3);
    bool write = cause == CAUSE_STORE_GUEST_PAGE_FAULT;
    if (vm_fault_in(vcpu->vm, gpa(addr))) {
        /* Guest RAM brought in (also for its page-table walks), perhaps by another vCPU: this
         * hart may still hold the page's earlier invalid translation. */
        hfence_gvma_vmid(vcpu->vm->arch.vmid);
        exit->reason = VCPU_EXIT_RETRY;
        return;
    }
    a->abort_cause = write ? 7 : 5; /* store/AMO or load access fault */
    if (cause == CAUSE_FETCH_GUEST_PAGE_FAULT) {
        vcpu_exit_fault(exit, addr, true, "instruction fetch outside guest memory");
        exit->fault.abortable = true;
        exit->fault.instruction = true;
        exit->fault.va = stval;
        return;
    }
    if (riscv_htinst_is_walk(htinst)) { /* (QEMU 7.2 leaves htinst 0: it cannot tell) */
        vcpu_exit_fault(exit, addr, true, "guest-page fault on a guest page-table walk");
        return;
    }
    if (vm_gpa_in_ram(vcpu->vm, gpa(addr), 1)) {
        vcpu_exit_fault(exit, addr, true, "%s not permitted by the region's flags", write ? "write" : "read");
        return;
    }
    struct riscv_mmio_insn d;
    u32 insn = 0;
    unsigned len = 0;
    bool ok = riscv_mmio_decode_htinst(htinst, &d);
    if (!ok) {
        if (!fetch_insn(a->regs.sepc, &insn, &len)) {
            vcpu_exit_fault(exit, addr, true, "%s whose instruction at pc cannot be read", write ? "write" : "read");
            return;
        }
        ok = riscv_mmio_decode(insn, len, &d);
    }
    if (!ok || d.write != write) {
        vcpu_exit_fault(exit, addr, true, "%s access that cannot be emulated (instruction %#x)",
              write ? "write" : "read", insn);
        exit->fault.abortable = true;
        exit->fault.instruction = false;
        exit->fault.va = stval;
        return;
    }
    a->mmio_width = d.width;
    a->mmio_sign = d.sign;
    a->mmio_reg = d.reg;
    if (vplic_in_place(vcpu, addr, &d, write, exit))
        return;
    exit->reason = VCPU_EXIT_MMIO;
    exit->mmio.addr = gpa(addr);
    exit->mmio.va = stval;
    exit->mmio.width = d.width;
    exit->mmio.write = write;
    exit->mmio.data = 0;
    if (write) {
        u64 v = a->regs.x[d.reg];
        exit->mmio.data = d.width == 8 ? v : v & ((1ull << (d.width * 8)) - 1);
    }
    a->regs.sepc += d.len;
}

/* A virtual-instruction exception: WFI (trapped by hstatus.VTW when the pCPU is shared) halts the
 * vCPU; nothing else is expected (counters, timer and the VS CSRs are the guest's own). */
static void virtual_instruction(struct vcpu *vcpu, u64 stval, struct vcpu_exit *exit)
{
    u32 insn = (u32)stval;
    unsigned len = 4;
    if (!insn && !fetch_insn(vcpu->arch.regs.sepc, &insn, &len))
        insn = 0;
    if (insn == INSN_WFI) {
        vcpu->arch.regs.sepc += 4;
        exit->reason = VCPU_EXIT_HALT;
        return;
    }
    vcpu_exit_fault(exit, 0, false, "virtual instruction exception (instruction %#x)", insn);
}

/* A device interrupt of the host's PLIC (a passed-through device's, forwarded into a vPLIC, or the
 * hypervisor's own console or disk) is handled here, and unless it asked the scheduler for
 * something (or changed this vCPU's pending bits beyond VSEIP) the guest goes on without the run
 * loop's pass: VCPU_EXIT_RETRY. Otherwise VCPU_EXIT_NONE: the loop does the rest, as after any
 * interrupt. */
static void host_irq_in_place(struct vcpu *vcpu, struct vcpu_exit *exit)
{
    vcpu->stats.irqs++;
    irq_dispatch();
    bool alone = !sched_requests_pending(cpu_id()) && vcpu->state == VCPU_RUNNABLE && !vcpu->vm->paused;
    exit->reason = alone && hvip_resync(&vcpu->arch) ? VCPU_EXIT_RETRY : VCPU_EXIT_NONE;
}

void vcpu_arch_run(struct vcpu *vcpu, struct vcpu_exit *exit)
{
    struct vcpu_arch *a = &vcpu->arch;
    __atomic_store_n(&a->in_guest, true, __ATOMIC_SEQ_CST);
    if (__atomic_exchange_n(&a->fence_pending, 0u, __ATOMIC_SEQ_CST)) {
        hfence_vvma_all();
        __asm__ volatile("fence.i" ::: "memory");
    }
    vcpu_arch_enter(&a->regs);
    __atomic_store_n(&a->in_guest, false, __ATOMIC_RELEASE);
    u64 scause = csr_read(scause), stval = csr_read(stval);
    vcpu->stats.exits++;
    if (scause & SCAUSE_INTERRUPT) {
        if (scause == (SCAUSE_INTERRUPT | IRQ_S_EXT))
            host_irq_in_place(vcpu, exit);
        else
            exit->reason = VCPU_EXIT_IRQ;
        return;
    }
    switch (scause) {
    case CAUSE_ECALL_VS:
        a->regs.sepc += 4;
        vsbi_handle(vcpu, exit);
        return;
    case CAUSE_FETCH_GUEST_PAGE_FAULT:
    case CAUSE_LOAD_GUEST_PAGE_FAULT:
    case CAUSE_STORE_GUEST_PAGE_FAULT:
        guest_page_fault(vcpu, scause, stval, exit);
        return;
    case CAUSE_VIRTUAL_INSTRUCTION:
        virtual_instruction(vcpu, stval, exit);
        return;
    default:
        vcpu_exit_fault(exit, 0, false, "unexpected trap: scause %#llx, stval %#llx", (unsigned long long)scause,
              (unsigned long long)stval);
        return;
    }
}

/* A vCPU alone on its pCPU executes WFI natively (hstatus.VTW clear): the hart waits in the guest
 * and wakes there when one of its interrupts is pending (its own vstimecmp with Sstc) or when a
 * host interrupt arrives (the hypervisor's timer, a kick for an interrupt raised in memory),
 * which then exits as usual: no halt, no scheduler pass, no host timer per guest tick. Sharing
 * the pCPU, WFI traps again (VTW set) so a waiting vCPU yields to the others. hstatus is loaded
 * from regs at every entry. */
void vcpu_arch_trap_wfx(struct vcpu *vcpu, bool trap)
{
    u64 *hstatus = &vcpu->arch.regs.hstatus;
    *hstatus = trap ? *hstatus | HSTATUS_VTW : *hstatus & ~HSTATUS_VTW;
}

/* The hart is about to idle: VS-level interrupts written for the last vCPU must not wake its
 * WFI (the next entry writes hvip again from the vCPU's state). */
void vcpu_arch_before_idle(void)
{
    hcsr_write(CSR_HVIP, 0);
}
