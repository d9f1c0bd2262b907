/* The hypervisor extension's CSRs and instructions (RISC-V privileged spec, chapter 8), by number:
 * the toolchain (clang 14, -march=rv64imac) knows neither the H extension's names nor its
 * instructions, so these are spelled as CSR numbers and .insn encodings. */
#ifndef ARCH_HCSR_H
#define ARCH_HCSR_H

#include <arch/csr.h>

#define CSR_HSTATUS 0x600
#define CSR_HEDELEG 0x602
#define CSR_HIDELEG 0x603
#define CSR_HIE 0x604
#define CSR_HTIMEDELTA 0x605
#define CSR_HCOUNTEREN 0x606
#define CSR_HGEIE 0x607
#define CSR_HGEIP 0xe12
#define CSR_VSISELECT 0x250 /* AIA: the guest file's indirect registers (hstatus.VGEIN selects it) */
#define CSR_VSIREG 0x251
#define CSR_HENVCFG 0x60a
#define CSR_HTVAL 0x643
#define CSR_HIP 0x644
#define CSR_HVIP 0x645
#define CSR_HTINST 0x64a
#define CSR_HGATP 0x680
#define CSR_VSSTATUS 0x200
#define CSR_VSIE 0x204
#define CSR_VSTVEC 0x205
#define CSR_VSSCRATCH 0x240
#define CSR_VSEPC 0x241
#define CSR_VSCAUSE 0x242
#define CSR_VSTVAL 0x243
#define CSR_VSTIMECMP 0x24d
#define CSR_VSATP 0x280

#define hcsr_str(x) #x
#define hcsr_read(num)                                                                                     \
    ({                                                                                                     \
        u64 __v;                                                                                           \
        __asm__ volatile("csrr %0, " hcsr_str(num) : "=r"(__v)::"memory");                                 \
        __v;                                                                                               \
    })
#define hcsr_write(num, v) __asm__ volatile("csrw " hcsr_str(num) ", %0" ::"r"((u64)(v)) : "memory")
#define hcsr_set(num, v) __asm__ volatile("csrs " hcsr_str(num) ", %0" ::"r"((u64)(v)) : "memory")
#define hcsr_clear(num, v) __asm__ volatile("csrc " hcsr_str(num) ", %0" ::"r"((u64)(v)) : "memory")

#define HSTATUS_GVA (1ull << 6)
#define HSTATUS_SPV (1ull << 7)
#define HSTATUS_SPVP (1ull << 8)
#define HSTATUS_VTW (1ull << 21)
#define HSTATUS_VGEIN_SHIFT 12
#define HSTATUS_VGEIN_MASK (0x3full << 12)
#define HSTATUS_VSXL_64 (2ull << 32)

#define SSTATUS_FS_MASK (3ull << 13)
#define SSTATUS_FS_INITIAL (1ull << 13)
#define SSTATUS_FS_CLEAN (2ull << 13)
#define SSTATUS_FS_DIRTY (3ull << 13)

/* VS-level interrupts in hvip / hip / hie / hideleg (bit = the guest's cause + 1). */
#define HVIP_VSSIP (1ull << 2)
#define HVIP_VSTIP (1ull << 6)
#define HVIP_VSEIP (1ull << 10)
#define HVIP_VS_MASK (HVIP_VSSIP | HVIP_VSTIP | HVIP_VSEIP)

#define HENVCFG_STCE (1ull << 63)
#define HCOUNTEREN_CY_TM_IR 0x7ull

#define HGATP_MODE_SV39X4 (8ull << 60)
#define HGATP_VMID_SHIFT 44
#define HGATP_VMID_MASK 0x3fffull

/* Exception causes (scause) the hypervisor handles. */
#define CAUSE_ECALL_VS 10
#define CAUSE_FETCH_GUEST_PAGE_FAULT 20
#define CAUSE_LOAD_GUEST_PAGE_FAULT 21
#define CAUSE_VIRTUAL_INSTRUCTION 22
#define CAUSE_STORE_GUEST_PAGE_FAULT 23

/* hfence.gvma zero, zero / hfence.vvma zero, zero (all addresses; the current VMID for vvma). */
static inline void hfence_gvma_all(void) { __asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, x0" ::: "memory"); }
/* hfence.gvma zero, vmid: every guest-physical translation of one VMID. */
static inline void hfence_gvma_vmid(u64 vmid)
{
    __asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, %0" ::"r"(vmid) : "memory");
}
static inline void hfence_vvma_all(void) { __asm__ volatile(".insn r 0x73, 0, 0x11, x0, x0, x0" ::: "memory"); }

#endif
