/* The generic x86 vCPU (hv/include/hv/arch.h): what every vendor's exits come down to, handled
 * once here, as Jailhouse's vcpu.c does over its svm.c/vmx.c. CPUID (the host's, filtered, plus
 * a hypervisor leaf with cvisor's signature), MSRs (every one intercepted: the few a guest may
 * have are kept in the control block, the rest raise #GP), port I/O (next RIP from the exit),
 * string port I/O (pio_string.c), HLT, hypercalls (VMMCALL), triple faults, and nested page faults: RAM brought in on demand, or
 * an MMIO access, whose instruction is fetched through the guest's paging and decoded in
 * software (<arch/insn_decode.h>) because the CPU gives neither the instruction's length nor its
 * operands (no next-RIP saving, no decode assists under QEMU's TCG). */
#include <arch/cpu.h>
#include <arch/exit_event.h>
#include <arch/guest_linear.h>
#include <arch/insn_decode.h>
#include <arch/lapic_pt.h>
#include <arch/pio_string.h>
#include <arch/timer.h>
#include <arch/vlapic.h>
#include <arch/vplatform.h>
#include <arch/x86.h>
#include <arch/x86_vendor.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/timer.h>
#include <hv/arch.h>
#include <hv/vcpu_exit.h>
#include <hv/vm.h>
#include <lib/fmt.h>
#include <lib/string.h>

/* The vCPU whose TLB entries each pCPU holds: another one's entering means a flush (vCPUs of a
 * VM share its ASID, their page tables differ). */
static struct vcpu *last_vcpu[MAX_CPUS];

#define EFER_LMA (1ull << 10)
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_NXE)
#define VECTOR_UD 6
#define VECTOR_GP 13
/* The hypervisor leaves: CPUID 0x40000000 names the hypervisor (EBX, ECX, EDX: "cvisorcvisor")
 * and the highest leaf; 0x40000010 gives the TSC frequency in kHz in EAX (as VMware and KVM
 * do), EBX the local APIC timer's (0: no virtual local APIC yet). */
#define CPUID_HV_BASE 0x40000000u
#define CPUID_HV_FREQ 0x40000010u

static u64 rget(struct vcpu *v, unsigned r) { return x86_vendor->gpr_get(v, r); }
static void rset(struct vcpu *v, unsigned r, u64 val) { x86_vendor->gpr_set(v, r, val); }
/* Completes an emulated instruction: RIP past it, and the interrupt shadow of a STI or MOV SS
 * before it over (it covered this instruction; STI; HLT must take the interrupt after HLT). */
static void skip(struct vcpu *v, u64 len)
{
    x86_vendor->set(v, X86_RIP, x86_vendor->get(v, X86_RIP) + len);
    x86_vendor->set(v, X86_INT_SHADOW, 0);
}

/* The FPU/SSE registers are the guest's while it runs (the hypervisor is built without them):
 * they are saved and loaded only when another vCPU takes the pCPU, so no VM sees another's, and
 * each finds its own again. FXSAVE needs CR4.OSFXSR on the host to include the SSE registers. */
#define CR4_OSFXSR (1ull << 9)
#define FXSAVE_FCW 0
#define FXSAVE_MXCSR 24

static void fpu_reset(u8 *area)
{
    memset(area, 0, 512);
    u16 fcw = 0x37f;     /* x87 reset: all exceptions masked, extended precision */
    u32 mxcsr = 0x1f80;  /* SSE reset: all exceptions masked */
    memcpy(area + FXSAVE_FCW, &fcw, 2);
    memcpy(area + FXSAVE_MXCSR, &mxcsr, 4);
}

static void fpu_switch(struct vcpu *from, struct vcpu *to)
{
    if (from)
        __asm__ volatile("fxsave64 (%0)" ::"r"(from->arch.fpu) : "memory");
    __asm__ volatile("fxrstor64 (%0)" ::"r"(to->arch.fpu) : "memory");
}

void hv_arch_cpu_init(void)
{
    write_cr(4, read_cr(4) | CR4_OSFXSR);
    if (x86_vendor->cpu_init() != 0)
        panic("x86: the hypervisor needs %s with nested paging on every CPU (QEMU: -cpu EPYC); Intel VMX is "
              "not supported yet", x86_vendor->name);
}

u64 vcpu_arch_hwid(u32 index) { return index; } /* its local APIC id */

void vcpu_arch_init(struct vcpu *v)
{
    struct vm *vm = v->vm;
    hpa_t pa;
    if (!vm->arch.vmcb[v->id] && mm_alloc_pages(VCPU_X86_PAGES, PAGE_SIZE, &pa) == 0) {
        memset(hpa_to_ptr(pa), 0, VCPU_X86_PAGES * PAGE_SIZE);
        vm->arch.vmcb[v->id] = hpa_to_ptr(pa);
    }
    v->arch.vmcb = vm->arch.vmcb[v->id];
    v->arch.vmcb_pa = v->arch.vmcb ? ptr_to_hpa(v->arch.vmcb).val : 0;
    v->arch.fpu = v->arch.vmcb ? (u8 *)v->arch.vmcb + PAGE_SIZE : NULL;
    v->arch.sipi_vector = -1;
    x86_code_cache_clear(&v->arch.code_cache);
}

void vcpu_arch_reset(struct vcpu *v, gpa_t entry, u64 arg)
{
    struct vcpu_arch *a = &v->arch;
    memset(a->gpr, 0, sizeof(a->gpr));
    a->pending = X86_PENDING_NONE;
    a->efer = 0;
    a->last_cpu = 0;
    a->tsc_offset = v->vm->arch.tsc_offset; /* one TSC for the VM, starting near 0 at its build */
    x86_code_cache_clear(&a->code_cache); /* a restarted VM's RAM is new */
    if (!a->vmcb)
        return;
    if (a->sipi_vector >= 0) {
        x86_vendor->vcpu_reset_sipi(v, (u8)a->sipi_vector);
        a->sipi_vector = -1;
    } else {
        x86_vendor->vcpu_reset(v, entry.val);
    }
    rset(v, X86_RAX, arg);
    vlapic_reset(v);
    fpu_reset(a->fpu);
    a->fpu_reset = true;
}

/* A vCPU driving its pCPU's local APIC gets it clean when it first runs there (after a reset). */
void vcpu_arch_load(struct vcpu *v)
{
    if (v->vm->arch.lapic_pt && !v->arch.lapic_pt_owned) {
        lapic_pt_enter(v);
        v->arch.lapic_pt_owned = true;
    }
}

/* It stops for good: its FPU state dies with it (the next vCPU here loads its own over it); the
 * local APIC it drove is the host's again. */
void vcpu_arch_unload(struct vcpu *v)
{
    if (last_vcpu[cpu_id()] == v)
        last_vcpu[cpu_id()] = NULL;
    if (v->arch.lapic_pt_owned) {
        lapic_pt_leave(v);
        v->arch.lapic_pt_owned = false;
    }
}

u64 vcpu_arch_pc(const struct vcpu *v) { return v->arch.vmcb ? x86_vendor->get((struct vcpu *)v, X86_RIP) : 0; }

void vcpu_arch_set_return(struct vcpu *v, u64 value) { rset(v, X86_RAX, value); }

/* Its local APIC timer; vCPU 0 also polls the VM's PIT (channel 0 raises IRQ 0). */
u64 vcpu_arch_timer_poll(struct vcpu *v, u64 now)
{
    u64 next = v->vm->arch.lapic ? vlapic_timer_poll(v, now) : 0;
    if (v->id == 0) {
        u64 pit = vplatform_timer_poll(v->vm, now);
        if (pit && (!next || pit < next))
            next = pit;
    }
    return next;
}

void vcpu_arch_complete_mmio_read(struct vcpu *v, u64 value)
{
    struct vcpu_arch *a = &v->arch;
    if (a->pending == X86_PENDING_MMIO_LOAD) {
        rset(v, a->mmio.reg, x86_mmio_load_result(&a->mmio, rget(v, a->mmio.reg), value));
    } else if (a->pending == X86_PENDING_PIO_IN) {
        u64 rax = rget(v, X86_RAX);
        if (a->pio_width == 1)
            rax = (rax & ~0xffull) | (value & 0xff);
        else if (a->pio_width == 2)
            rax = (rax & ~0xffffull) | (value & 0xffff);
        else
            rax = value & 0xffffffffull; /* a 32-bit result clears bits 63:32 */
        rset(v, X86_RAX, rax);
    }
    a->pending = X86_PENDING_NONE;
}

/* invalid_access = "abort": a PC's bus answers an access to nothing with all ones and ignores
 * writes; there is no abort to take. */
void vcpu_arch_inject_abort(struct vcpu *v, u64 va, bool instruction)
{
    (void)va, (void)instruction;
    if (v->arch.pending != X86_PENDING_NONE)
        vcpu_arch_complete_mmio_read(v, ~0ull);
}

static void emulate_cpuid(struct vcpu *v)
{
    u32 leaf = (u32)rget(v, X86_RAX), sub = (u32)rget(v, X86_RCX);
    struct cpuid_regs r = {0};
    if (leaf == CPUID_HV_BASE) {
        r.eax = CPUID_HV_FREQ;
        memcpy(&r.ebx, "cvis", 4);
        memcpy(&r.ecx, "orcv", 4);
        memcpy(&r.edx, "isor", 4);
    } else if (leaf == CPUID_HV_FREQ) {
        r.eax = (u32)(timer_freq() / 1000);
        r.ebx = v->vm->arch.lapic      ? (u32)(VLAPIC_TIMER_HZ / 1000)
                : v->vm->arch.lapic_pt ? (u32)(x86_apic_timer_hz() / 1000) /* the real one's input clock */
                                       : 0;
    } else if ((leaf >> 28) != 4 && leaf != 0xd && leaf != 0x8000000a && leaf != 0xb && leaf != 0x1f) {
        /* The host's, less what the guest does not get: nested SVM, VMX, MONITOR, XSAVE (XCR0
         * is the host's), x2APIC, and the local APIC with its TSC-deadline timer where the VM has
         * no virtual one, and MTRRs. XSAVE's leaf 0xD, SVM's 0x8000000A and the x2APIC topology leaves
         * 0xB and 0x1F (they name the host's APIC ids) read as zeros. */
        r = cpuid(leaf, sub);
        if (leaf == 1) {
            r.ecx &= ~((1u << 3) | (1u << 5) | (1u << 21) | (1u << 24) | (1u << 26) | (1u << 27) | (1u << 28));
            if (v->vm->arch.lapic)
                r.ecx |= 1u << 24; /* TSC-deadline: the virtual one has it (the host's APIC need not) */
            r.ecx |= 1u << 31; /* running under a hypervisor */
            /* APIC only with a virtual one; no MTRRs, no machine-check architecture (MCE, MCA: its
             * MSRs are not offered) */
            bool apic = v->vm->arch.lapic || v->vm->arch.lapic_pt;
            r.edx &= ~((apic ? 0 : (1u << 9)) | (1u << 12) | (1u << 7) | (1u << 14));
            /* One package of the VM's vCPUs (HTT: more than one logical processor in it); the
             * initial APIC id is the vCPU's, or its pCPU's for the APIC it drives itself. */
            u32 n = v->vm->vcpu_count ? v->vm->vcpu_count : 1;
            u32 apic_id = v->vm->arch.lapic_pt ? (r.ebx >> 24) : (u32)v->hwid;
            r.ebx = (r.ebx & 0x0000ffffu) | ((n & 0xff) << 16) | (apic_id << 24);
            r.edx = n > 1 ? r.edx | (1u << 28) : r.edx & ~(1u << 28);
        } else if (leaf == 7 && sub == 0) {
            r.ebx &= ~((1u << 5) | (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31)); /* AVX2, AVX-512 */
            r.ecx &= ~(1u << 22); /* RDPID: it would read the host's TSC_AUX */
        } else if (leaf == 0x80000001) {
            r.ecx &= ~(1u << 2);  /* SVM */
            r.edx &= ~(1u << 27); /* RDTSCP: it would read the host's TSC_AUX */
        } else if (leaf == 0x80000007) {
            /* Invariant TSC: cvisor requires one of the host (docs/x86_64.md) and gives each VM
             * one TSC offset, so the guest's TSCs run at a constant rate and in step. */
            r.edx |= 1u << 8;
        } else if (leaf == 0x80000008) {
            /* Cores in the package: the VM's vCPUs (NC), and the APIC id bits that count them. */
            u32 n = v->vm->vcpu_count ? v->vm->vcpu_count : 1, bits = 0;
            while ((1u << bits) < n)
                bits++;
            r.ecx = (r.ecx & ~0xf0ffu) | (bits << 12) | (n - 1);
        }
    }
    rset(v, X86_RAX, r.eax);
    rset(v, X86_RBX, r.ebx);
    rset(v, X86_RCX, r.ecx);
    rset(v, X86_RDX, r.edx);
}

#define MSR_TSC 0x10u
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_PAT 0x277u
#define MSR_TSC_DEADLINE 0x6e0u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_KERNEL_GS_BASE 0xc0000102u
/* AMD's northbridge configuration: Linux sets its "I/O extended configuration space" bit on AMD
 * CPUs; no northbridge here, so reads 0 and writes go nowhere (as KVM has it). */
#define MSR_AMD64_NB_CFG 0xc001001fu
/* AMD's hardware configuration: TscFreqSel (bit 24) says the TSC counts at the P0 frequency, i.e.
 * at a constant rate, as the invariant TSC of CPUID 0x80000007 says too; writes are ignored. */
#define MSR_K7_HWCR 0xc0010015u
#define HWCR_TSC_FREQ_SEL (1ull << 24)

/* The MSRs a guest has, kept in the control block (the vendor's VMLOAD/VMSAVE state). */
static bool msr_state(u32 msr, enum x86_state *s)
{
    switch (msr) {
    case MSR_SYSENTER_CS: *s = X86_SYSENTER_CS; return true;
    case MSR_SYSENTER_ESP: *s = X86_SYSENTER_ESP; return true;
    case MSR_SYSENTER_EIP: *s = X86_SYSENTER_EIP; return true;
    case MSR_PAT: *s = X86_PAT; return true;
    case MSR_STAR: *s = X86_STAR; return true;
    case MSR_LSTAR: *s = X86_LSTAR; return true;
    case MSR_CSTAR: *s = X86_CSTAR; return true;
    case MSR_SFMASK: *s = X86_SFMASK; return true;
    case MSR_FS_BASE: *s = X86_FS_BASE; return true;
    case MSR_GS_BASE: *s = X86_GS_BASE; return true;
    case MSR_KERNEL_GS_BASE: *s = X86_KERNEL_GS_BASE; return true;
    default: return false;
    }
}

static bool canonical(u64 a) { return (u64)((s64)(a << 16) >> 16) == a; }

static bool emulate_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
    enum x86_state s;
    if (msr == MSR_EFER)
        *val = x86_vendor->get(v, X86_EFER) & (EFER_GUEST_BITS | EFER_LMA);
    else if (msr == MSR_APIC_BASE && (v->vm->arch.lapic || v->vm->arch.lapic_pt)) /* enabled, xAPIC; vCPU 0 boots */
        *val = VLAPIC_BASE | (1u << 11) | (v->id == 0 ? 1u << 8 : 0);
    else if (msr == MSR_TSC)
        *val = rdtsc() + x86_vendor->get(v, X86_TSC_OFFSET);
    else if (msr == MSR_TSC_DEADLINE && v->vm->arch.lapic)
        *val = vlapic_tsc_deadline_read(v);
    else if (msr == MSR_AMD64_NB_CFG)
        *val = 0;
    else if (msr == MSR_K7_HWCR)
        *val = HWCR_TSC_FREQ_SEL;
    else if (msr_state(msr, &s))
        *val = x86_vendor->get(v, s);
    else
        return false;
    return true;
}

static bool emulate_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
    enum x86_state s;
    if (msr == MSR_EFER) {
        if (val & ~(EFER_GUEST_BITS | EFER_LMA))
            return false; /* reserved bits (and SVME: no nested virtualization) */
        u64 cur = x86_vendor->get(v, X86_EFER);
        /* LMA is the CPU's; SVME stays set underneath for VMRUN. */
        x86_vendor->set(v, X86_EFER, (val & EFER_GUEST_BITS) | (cur & EFER_LMA) | EFER_SVME);
        v->arch.efer = val & EFER_GUEST_BITS;
    } else if (msr == MSR_TSC) {
        x86_vendor->set(v, X86_TSC_OFFSET, val - rdtsc());
        if (v->vm->arch.lapic)
            vlapic_tsc_offset_changed(v, x86_vendor->get(v, X86_TSC_OFFSET));
    } else if (msr == MSR_TSC_DEADLINE && v->vm->arch.lapic) {
        vlapic_tsc_deadline_write(v, val, x86_vendor->get(v, X86_TSC_OFFSET));
    } else if (msr == MSR_AMD64_NB_CFG || msr == MSR_K7_HWCR) {
        /* (ignored) */
    } else if (msr == MSR_APIC_BASE && (v->vm->arch.lapic || v->vm->arch.lapic_pt)) {
        if ((val & ~0x900ull) != VLAPIC_BASE)
            return false; /* moving or disabling it, or x2APIC mode: not offered */
    } else if (msr_state(msr, &s)) {
        if ((s == X86_FS_BASE || s == X86_GS_BASE || s == X86_KERNEL_GS_BASE || s == X86_LSTAR || s == X86_CSTAR ||
             s == X86_SYSENTER_ESP || s == X86_SYSENTER_EIP) && !canonical(val))
            return false;
        x86_vendor->set(v, s, val);
    } else {
        return false;
    }
    return true;
}

static void handle_msr(struct vcpu *v, bool write)
{
    u32 msr = (u32)rget(v, X86_RCX);
    u64 val = 0;
    bool ok;
    if (write) {
        val = (rget(v, X86_RDX) << 32) | (u32)rget(v, X86_RAX);
        ok = emulate_wrmsr(v, msr, val);
    } else {
        ok = emulate_rdmsr(v, msr, &val);
        if (ok) {
            rset(v, X86_RAX, (u32)val);
            rset(v, X86_RDX, val >> 32);
        }
    }
    if (!ok) {
        LOG_AT(LOG_DEBUG, (long)v->vm->id, "vcpu%u: %s of MSR %#x: #GP", v->id, write ? "wrmsr" : "rdmsr", msr);
        x86_vendor->inject_exception(v, VECTOR_GP, true, 0);
        return;
    }
    skip(v, 2);
}

/* Up to X86_INSN_MAX bytes of the instruction at the guest's RIP (fewer where its mapping ends);
 * returns how many. */
static size_t fetch_insn(struct vcpu *v, u8 *buf, struct x86_cpu_mode *mode, u64 *linear)
{
    u64 cs_base;
    x86_vendor->code_mode(v, &mode->long64, &mode->default32, &cs_base);
    struct x86_paging pg = x86_guest_paging(v);
    u64 la = cs_base + x86_vendor->get(v, X86_RIP);
    if (!mode->long64)
        la &= 0xffffffffull;
    *linear = la;
    u32 gen = __atomic_load_n(&v->vm->arch.revoked, __ATOMIC_ACQUIRE);
    size_t n = 0;
    while (n < X86_INSN_MAX) {
        /* The instruction's first page, as the last walk found it if that still holds. */
        const u8 *p = n ? NULL : x86_code_cache_lookup(&v->arch.code_cache, &pg, gen, la);
        size_t chunk = PAGE_SIZE - ((la + n) & (PAGE_SIZE - 1));
        if (chunk > X86_INSN_MAX - n)
            chunk = X86_INSN_MAX - n;
        if (!p) {
            struct x86_walk_record record = {0};
            u64 g;
            if (x86_guest_linear_to_gpa(v->vm, &pg, la + n, &g, &record) != 0)
                break;
            if (!vm_gpa_in_ram(v->vm, gpa(g), chunk))
                break;
            p = vm_gpa_to_hva(v->vm, gpa(g), chunk);
            if (!p)
                break;
            /* Its page is RAM of the VM (a RAM region holds whole pages): keep the walk. */
            u64 page = g & ~(u64)(PAGE_SIZE - 1);
            if (!n && vm_gpa_in_ram(v->vm, gpa(page), PAGE_SIZE))
                x86_code_cache_fill(&v->arch.code_cache, &pg, gen, la, &record,
                                    vm_gpa_to_hva(v->vm, gpa(page), PAGE_SIZE));
        }
        memcpy(buf + n, p, chunk);
        n += chunk;
    }
    return n;
}

static void handle_npf(struct vcpu *v, const struct x86_exit *e, struct vcpu_exit *exit)
{
    struct vm *vm = v->vm;
    bool brought_in = !e->npf.present && vm_fault_in(vm, gpa(e->npf.gpa));
    switch (x86_npf_action(brought_in, e->npf.fetch, e->delivering)) {
    case X86_NPF_RETRY:
        exit->reason = VCPU_EXIT_RETRY;
        return;
    case X86_NPF_FETCH_FAULT:
        vcpu_exit_fault(exit, e->npf.gpa, true, "instruction fetch outside the VM's memory");
        return;
    case X86_NPF_DELIVERY_FAULT:
        vcpu_exit_fault(exit, e->npf.gpa, true, "%s while delivering vector %#x (its IDT, GDT, TSS or stack is not RAM)",
                        e->npf.write ? "write" : "read", e->delivering_vector);
        return;
    case X86_NPF_EMULATE:
        break;
    }
    u8 bytes[X86_INSN_MAX];
    struct x86_cpu_mode mode;
    u64 linear;
    size_t n = fetch_insn(v, bytes, &mode, &linear);
    struct x86_mmio_insn *in = &v->arch.mmio;
    if (x86_decode_mmio(bytes, n, mode, in) != 0) {
        /* (the report ends up in a 128-byte line with the address and pc: 6 bytes say enough) */
        char hex[3 * 6] = "";
        for (size_t i = 0, at = 0; i < n && i < 6; i++)
            at += (size_t)fmt_snprintf(hex + at, sizeof(hex) - at, i ? " %02x" : "%02x", bytes[i]);
        vcpu_exit_fault(exit, e->npf.gpa, true, "%s by an instruction not emulated (%s)", e->npf.write ? "write" : "read",
              n ? hex : "not fetchable");
        return;
    }
    skip(v, in->len);
    exit->reason = VCPU_EXIT_MMIO;
    exit->mmio.addr = gpa(e->npf.gpa);
    exit->mmio.width = in->width;
    exit->mmio.write = in->write;
    exit->mmio.data = in->write ? x86_mmio_store_value(in, in->has_imm ? 0 : rget(v, in->reg)) : 0;
    exit->mmio.va = linear;
    v->arch.pending = in->write ? X86_PENDING_NONE : X86_PENDING_MMIO_LOAD;
}

static void handle_io(struct vcpu *v, const struct x86_exit *e, struct vcpu_exit *exit)
{
    if (e->io.string) {
        u8 bytes[X86_INSN_MAX];
        struct x86_cpu_mode mode;
        u64 linear;
        size_t n = fetch_insn(v, bytes, &mode, &linear);
        x86_pio_string(v, e, bytes, n, mode, exit);
        return;
    }
    x86_vendor->set(v, X86_RIP, e->io.next_rip);
    x86_vendor->set(v, X86_INT_SHADOW, 0);
    exit->reason = VCPU_EXIT_PIO;
    exit->pio.port = e->io.port;
    exit->pio.width = e->io.width;
    exit->pio.write = !e->io.in;
    u64 rax = rget(v, X86_RAX);
    exit->pio.data = e->io.width == 4 ? (u32)rax : e->io.width == 2 ? (u16)rax : (u8)rax;
    v->arch.pending = e->io.in ? X86_PENDING_PIO_IN : X86_PENDING_NONE;
    v->arch.pio_width = e->io.width;
}

void vcpu_arch_run(struct vcpu *v, struct vcpu_exit *exit)
{
    struct vcpu_arch *a = &v->arch;
    exit->reason = VCPU_EXIT_NONE;
    if (!a->vmcb) {
        vcpu_exit_fault(exit, 0, false, "no memory for the vCPU's control block");
        return;
    }
    u32 cpu = cpu_id();
    /* In the guest from here (before the generation is read): an unmap either sees this flag
     * and waits for the exit, or bumped the generation first and this entry flushes. */
    __atomic_store_n(&a->in_guest, true, __ATOMIC_SEQ_CST);
    u32 gen = __atomic_load_n(&v->vm->arch.revoked, __ATOMIC_SEQ_CST);
    bool flush = last_vcpu[cpu] != v || a->last_cpu != cpu + 1 || a->revoked_seen != gen;
    if (last_vcpu[cpu] != v || a->fpu_reset)
        fpu_switch(last_vcpu[cpu] != v ? last_vcpu[cpu] : NULL, v);
    a->fpu_reset = false;
    last_vcpu[cpu] = v;
    a->last_cpu = cpu + 1;
    __atomic_store_n(&a->revoked_seen, gen, __ATOMIC_RELEASE);
    struct x86_exit e;
    x86_vendor->run(v, flush, &e);
    __atomic_store_n(&a->in_guest, false, __ATOMIC_RELEASE);
    /* Every exit counts, those handled here too (CPUID, MSRs, the interrupt window, RAM brought
     * in); the run loop counts the reasons it sees (hypercall, MMIO and port I/O, HLT, IRQ). */
    v->stats.exits++;
    switch (e.kind) {
    case X86_EXIT_INTR:
        /* With the local APIC passed through, only an NMI exits here (lapic_pt.c): enabling
         * interrupts would hand the guest's pending vectors to the host's handlers. */
        exit->reason = v->vm->arch.lapic_pt ? VCPU_EXIT_RETRY : VCPU_EXIT_IRQ;
        break;
    case X86_EXIT_IRQ_WINDOW: /* the run loop's pre-entry hook injects it */
        x86_vendor->irq_window(v, false);
        break;
    case X86_EXIT_CPUID:
        emulate_cpuid(v);
        skip(v, 2);
        break;
    case X86_EXIT_RDMSR:
    case X86_EXIT_WRMSR:
        handle_msr(v, e.kind == X86_EXIT_WRMSR);
        break;
    case X86_EXIT_IO:
        handle_io(v, &e, exit);
        break;
    case X86_EXIT_HLT:
        skip(v, 1);
        exit->reason = VCPU_EXIT_HALT;
        break;
    case X86_EXIT_HYPERCALL: /* VMMCALL (3 bytes): RAX = number, RDI, RSI, RDX, R10, R8 */
        skip(v, 3);
        exit->reason = VCPU_EXIT_HYPERCALL;
        exit->hypercall.nr = rget(v, X86_RAX);
        exit->hypercall.args[0] = rget(v, X86_RDI);
        exit->hypercall.args[1] = rget(v, X86_RSI);
        exit->hypercall.args[2] = rget(v, X86_RDX);
        exit->hypercall.args[3] = rget(v, 10);
        exit->hypercall.args[4] = rget(v, 8);
        break;
    case X86_EXIT_SHUTDOWN:
        vcpu_exit_fault(exit, 0, false, "triple fault: the guest's CPU shut down");
        break;
    case X86_EXIT_NPF:
        handle_npf(v, &e, exit);
        break;
    case X86_EXIT_UD:
        LOG_AT(LOG_DEBUG, (long)v->vm->id, "vcpu%u: instruction refused (exit %#llx): #UD", v->id,
               (unsigned long long)e.code);
        x86_vendor->inject_exception(v, VECTOR_UD, false, 0);
        break;
    case X86_EXIT_INVALID:
        vcpu_exit_fault(exit, 0, false, "the CPU refused the guest state (%s: invalid control block)", x86_vendor->name);
        break;
    case X86_EXIT_OTHER:
        vcpu_exit_fault(exit, 0, false, "unhandled exit %#llx (%s)", (unsigned long long)e.code, x86_vendor->name);
        break;
    }
}
