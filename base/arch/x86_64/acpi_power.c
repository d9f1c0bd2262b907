/* Machine power of x86 machines: soft-off (S5) is SLP_TYP | SLP_EN written to the PM1a (and PM1b)
 * control register; reset is the FADT's reset register, else the PCI reset control port 0xcf9,
 * else the keyboard controller, else a triple fault. */
#include <arch/acpi_power.h>
#include <arch/cpu.h>
#include <base/platform.h>

#define SLP_TYP_SHIFT 10
#define SLP_TYP_MASK (7u << SLP_TYP_SHIFT)
#define SLP_EN (1u << 13)
#define PCI_RESET_PORT 0xcf9
#define PCI_RESET_HARD 0x06 /* full reset, CPU reset */
#define KBC_COMMAND 0x64
#define KBC_PULSE_RESET 0xfe

static struct {
    bool can_poweroff;
    struct acpi_gas pm1a, pm1b;
    u8 typa, typb;
    bool has_reset;
    struct acpi_gas reset;
    u8 reset_value;
    struct acpi_gas pm_timer;
} power;

void acpi_power_init(const struct acpi_fadt *fadt, bool has_s5, u8 slp_typa, u8 slp_typb)
{
    power.can_poweroff = has_s5 && fadt->pm1a_cnt.space == ACPI_GAS_IO && fadt->pm1a_cnt.address;
    power.pm1a = fadt->pm1a_cnt;
    power.pm1b = fadt->pm1b_cnt;
    power.typa = slp_typa;
    power.typb = slp_typb;
    power.has_reset = fadt->has_reset;
    power.reset = fadt->reset_reg;
    power.reset_value = fadt->reset_value;
    power.pm_timer = fadt->pm_timer;
}

bool acpi_pm_timer_port(u16 *port)
{
    if (power.pm_timer.space != ACPI_GAS_IO || !power.pm_timer.address || power.pm_timer.address > 0xfffc)
        return false;
    *port = (u16)power.pm_timer.address;
    return true;
}

static void sleep_write(const struct acpi_gas *blk, u8 typ)
{
    if (blk->space != ACPI_GAS_IO || !blk->address || blk->address > 0xffff)
        return;
    u16 port = (u16)blk->address;
    u16 v = (u16)((inw(port) & ~SLP_TYP_MASK) | ((typ & 7u) << SLP_TYP_SHIFT) | SLP_EN);
    outw(port, v);
}

void platform_poweroff(void)
{
    local_irq_disable();
    if (power.can_poweroff) {
        sleep_write(&power.pm1b, power.typb);
        sleep_write(&power.pm1a, power.typa);
    }
    arch_cpu_halt(); /* no ACPI soft-off: stop here */
}

void platform_reset(void)
{
    local_irq_disable();
    if (power.has_reset && power.reset.space == ACPI_GAS_IO && power.reset.address <= 0xffff)
        outb((u16)power.reset.address, power.reset_value);
    else if (power.has_reset && power.reset.space == ACPI_GAS_MEMORY && power.reset.address)
        *(volatile u8 *)(uintptr_t)power.reset.address = power.reset_value;
    outb(PCI_RESET_PORT, PCI_RESET_HARD);
    outb(KBC_COMMAND, KBC_PULSE_RESET);
    /* A triple fault: no IDT, then an exception. */
    static const struct {
        u16 limit;
        u64 base;
    } __attribute__((packed)) no_idt = {0, 0};
    __asm__ volatile("lidt %0; int3" ::"m"(no_idt));
    arch_cpu_halt();
}
