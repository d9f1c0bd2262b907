/* Feature ID registers as a VM sees them. A VM given a GICv2 on a GICv3 host must not be told
 * the GIC system-register interface exists (ID_AA64PFR0_EL1.GIC): Linux's GICv2 driver takes
 * that for broken firmware. So such VMs trap ID register reads (HCR_EL2.TID3) and get the
 * hardware values with that field cleared. */
#include <arch/sysreg.h>
#include <arch/vcpu_parts.h>
#include <lib/types.h>

#define ID_CASE(crm, op2)                                                                                  \
    case ((crm) << 3 | (op2)):                                                                             \
        return read_sysreg_s("S3_0_C0_C" #crm "_" #op2);
#define ID_ROW(crm) ID_CASE(crm, 0) ID_CASE(crm, 1) ID_CASE(crm, 2) ID_CASE(crm, 3) ID_CASE(crm, 4) \
    ID_CASE(crm, 5) ID_CASE(crm, 6) ID_CASE(crm, 7)

/* op0 3, op1 0, CRn 0, CRm 1..7: the TID3 group (unallocated encodings read as zero). */
static u64 read_id_reg(u32 crm, u32 op2)
{
    switch (crm << 3 | op2) {
        ID_ROW(1)
        ID_ROW(2)
        ID_ROW(3)
        ID_ROW(4)
        ID_ROW(5)
        ID_ROW(6)
        ID_ROW(7)
    default:
        return 0;
    }
}

#define ID_AA64PFR0_GIC_MASK (0xfull << 24)

BUILT_FOR_SIZE u64 vcpu_arch_id_reg(u32 crm, u32 op2, bool gic_sysregs)
{
    u64 v = read_id_reg(crm, op2);
    if (crm == 4 && op2 == 0 && !gic_sysregs)
        v &= ~ID_AA64PFR0_GIC_MASK;
    return v;
}
