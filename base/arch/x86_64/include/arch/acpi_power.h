/* Power-off and reset of x86 machines through ACPI (the FADT's PM1 control blocks with the
 * DSDT's \_S5 sleep type; its reset register), behind platform_poweroff / platform_reset. */
#ifndef ARCH_ACPI_POWER_H
#define ARCH_ACPI_POWER_H

#include <lib/acpi.h>

/* From the machine description: the FADT, and \_S5's sleep types if the DSDT has them. */
void acpi_power_init(const struct acpi_fadt *fadt, bool has_s5, u8 slp_typa, u8 slp_typb);
/* The machine's ACPI PM timer, when it is in the I/O space (its first port). */
bool acpi_pm_timer_port(u16 *port);

#endif
