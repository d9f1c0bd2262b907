/* GICv3 list registers (ICH_LR<n>_EL2) and hypervisor control (ICH_HCR_EL2, ICH_VMCR_EL2). */
#include <arch/sysreg.h>
#include <arch/vgic_lr.h>

#define ICH_HCR_EN (1ull << 0)
#define ICH_HCR_UIE (1ull << 1)
#define LR_GROUP1 (1ull << 60)

u32 vgic_lr_count(void)
{
    u32 n = (u32)(read_sysreg_s("S3_4_C12_C11_1") & 0x1f) + 1; /* ICH_VTR_EL2.ListRegs */
    return n > 16 ? 16 : n;
}

#define LR_CASE(n, crm, op2)                                                                               \
    case n:                                                                                                \
        if (write)                                                                                         \
            write_sysreg_s("S3_4_C12_" crm "_" op2, v);                                                   \
        else                                                                                               \
            v = read_sysreg_s("S3_4_C12_" crm "_" op2);                                                   \
        break;

static u64 lr_access(u32 i, bool write, u64 v)
{
    switch (i) {
        LR_CASE(0, "C12", "0")
        LR_CASE(1, "C12", "1")
        LR_CASE(2, "C12", "2")
        LR_CASE(3, "C12", "3")
        LR_CASE(4, "C12", "4")
        LR_CASE(5, "C12", "5")
        LR_CASE(6, "C12", "6")
        LR_CASE(7, "C12", "7")
        LR_CASE(8, "C13", "0")
        LR_CASE(9, "C13", "1")
        LR_CASE(10, "C13", "2")
        LR_CASE(11, "C13", "3")
        LR_CASE(12, "C13", "4")
        LR_CASE(13, "C13", "5")
        LR_CASE(14, "C13", "6")
        LR_CASE(15, "C13", "7")
    default:
        break;
    }
    return v;
}

void vgic_lr_write(u32 i, u32 intid, u8 priority, enum lr_state state)
{
    u64 v = state == LR_INVALID ? 0 : ((u64)state << 62) | LR_GROUP1 | ((u64)priority << 48) | intid;
    lr_access(i, true, v);
}

enum lr_state vgic_lr_state(u32 i) { return (enum lr_state)(lr_access(i, false, 0) >> 62); }

void vgic_hcr_write(bool enable, bool underflow)
{
    write_sysreg_s("S3_4_C12_C11_0", (enable ? ICH_HCR_EN : 0) | (underflow ? ICH_HCR_UIE : 0));
}

void vgic_cpuif_save(u64 *vmcr, u64 ap1r[4])
{
    *vmcr = read_sysreg_s("S3_4_C12_C11_7");
    ap1r[0] = read_sysreg_s("S3_4_C12_C9_0");
    (void)ap1r;
}

void vgic_cpuif_restore(u64 vmcr, const u64 ap1r[4])
{
    write_sysreg_s("S3_4_C12_C11_7", vmcr);
    write_sysreg_s("S3_4_C12_C9_0", ap1r[0]);
}
