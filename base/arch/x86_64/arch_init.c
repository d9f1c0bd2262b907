/* The x86_64 CPU as the base runs it: one GDT (flat 64-bit code and data, a TSS per CPU whose
 * IST1 stack takes double faults, NMIs and machine checks), one IDT of interrupt gates, GS
 * pointing to the CPU's block; and the hooks of <base/arch_hooks.h>. */
#include <arch/cpu.h>
#include <arch/timer.h>
#include <arch/x86_cpu.h>
#include <base/arch_hooks.h>
#include <base/percpu.h>
#include <drivers/pic8259.h>
#include <lib/string.h>

#define IST_STACK_SIZE 8192
#define GDT_ENTRIES (GDT_TSS / 8 + 2 * MAX_CPUS)

struct tss {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} __attribute__((packed));

struct idt_gate {
    u16 offset_lo, selector;
    u8 ist, type_attr;
    u16 offset_mid;
    u32 offset_hi, reserved;
};

struct desc_ptr {
    u16 limit;
    u64 base;
} __attribute__((packed));

struct x86_cpu_local x86_cpu_local[MAX_CPUS] __attribute__((aligned(64)));
_Static_assert(sizeof(struct x86_cpu_local) == X86_CPU_LOCAL_SIZE, "asm offsets");
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

static u64 gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
    0,
    0x00af9a000000ffffull, /* GDT_CODE64 */
    0x00cf92000000ffffull, /* GDT_DATA */
    0x00cf9a000000ffffull, /* GDT_CODE32 */
};
static struct tss tss[MAX_CPUS] __attribute__((aligned(16)));
static u8 ist_stacks[MAX_CPUS][IST_STACK_SIZE] __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));

extern const u8 x86_vector_stubs[];

static void idt_build(void)
{
    for (unsigned v = 0; v < 256; v++) {
        u64 a = (u64)(uintptr_t)(x86_vector_stubs + 16 * v);
        /* NMI, double fault, machine check: on the IST stack, whatever the stack was. */
        u8 ist = (v == 2 || v == 8 || v == 18) ? 1 : 0;
        idt[v] = (struct idt_gate){(u16)a, GDT_CODE64, ist, 0x8e, (u16)(a >> 16), (u32)(a >> 32), 0};
    }
}

static void tss_descriptor(u32 cpu)
{
    u64 base = (u64)(uintptr_t)&tss[cpu], limit = sizeof(struct tss) - 1;
    u32 i = GDT_TSS / 8 + 2 * cpu;
    gdt[i] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 /* present, 64-bit TSS */ |
             ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[i + 1] = base >> 32;
}

void x86_cpu_tables_init(u32 cpu)
{
    if (cpu == 0)
        idt_build();
    tss[cpu].ist[0] = (u64)(uintptr_t)(ist_stacks[cpu] + IST_STACK_SIZE);
    tss[cpu].iomap_base = sizeof(struct tss); /* no I/O permission bitmap */
    tss_descriptor(cpu);
    struct desc_ptr g = {sizeof(gdt) - 1, (u64)(uintptr_t)gdt}, i = {sizeof(idt) - 1, (u64)(uintptr_t)idt};
    u16 tr = (u16)(GDT_TSS + 16 * cpu);
    /* The new GDT: reload CS with a far return, then the data segments, the task register and
     * the IDT. GS is not reloaded: its base (the MSR boot.S wrote) stays. */
    __asm__ volatile("lgdt %0\n"
                     "pushq %1\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n"
                     "1: mov %2, %%ds\n"
                     "mov %2, %%es\n"
                     "mov %2, %%ss\n"
                     "ltr %3\n"
                     "lidt %4\n"
                     :
                     : "m"(g), "i"(GDT_CODE64), "r"((u16)GDT_DATA), "r"(tr), "m"(i)
                     : "rax", "memory");
}

/* The initial APIC id of the boot CPU (CPUID 1: EBX bits 31-24), as the MADT lists it. */
u64 arch_boot_cpu_hwid(void) { return cpuid(1, 0).ebx >> 24; }
const char *arch_name(void) { return "x86_64"; }

int arch_boot_init(const struct fdt *fdt)
{
    (void)fdt;
    /* The 8259 pair stays masked (remapped off the exception vectors first): the base takes its
     * interrupts through the I/O APIC. */
    pic8259_disable();
    if (x86_timer_calibrate() != 0)
        return -1;
    write_cr(4, read_cr(4) | CR4_PGE);
    return 0;
}

void arch_secondary_init(void) { write_cr(4, read_cr(4) | CR4_PGE); }
