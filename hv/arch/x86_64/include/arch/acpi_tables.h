/* ACPI tables cvisor writes into a VM's memory for an OS that finds its machine through ACPI
 * (Linux): RSDP, XSDT, MADT (a local APIC per vCPU, the I/O APIC, the ISA overrides), FADT (the
 * PM1a event and control blocks, the PM timer, the reset register), FACS, and a DSDT holding
 * \_S5 so that an ACPI power-off works, and an HPET table when the VM has one. Pure logic over a buffer (host-tested by parsing the
 * result with lib/acpi.c). */
#ifndef ARCH_ACPI_TABLES_H
#define ARCH_ACPI_TABLES_H

#include <lib/types.h>

/* What every x86 VM's virtual platform has where a PC has it (vpower.c, vioapic.c, vlapic.c). */
#define ACPI_PM_BASE_PORT 0x600u   /* PM1a event block 0x600 (4 ports), control 0x604 (2), timer 0x608 (4) */
#define ACPI_PM1A_EVT_PORT ACPI_PM_BASE_PORT
#define ACPI_PM1A_CNT_PORT (ACPI_PM_BASE_PORT + 4)
#define ACPI_PM_TMR_PORT (ACPI_PM_BASE_PORT + 8)
#define ACPI_PM_PORTS 12u
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_SCI_IRQ 9u
#define ACPI_RESET_PORT 0xcf9u
#define ACPI_RESET_VALUE 0x06u     /* CPU reset, hard (RST_CNT: SYS_RST | RST_CPU) */
#define ACPI_S5_SLP_TYP 0u         /* \_S5: PM1a SLP_TYP 0, as on QEMU's q35 */
#define ACPI_MAX_CPUS 64u

struct acpi_tables_params {
    u32 cpus;            /* vCPUs: local APIC ids 0 .. cpus - 1, processor uids the same */
    u64 lapic_base;
    u32 ioapic_id;
    u64 ioapic_base;     /* 0: no I/O APIC (and no overrides) */
    u64 hpet_base;       /* 0: no HPET table */
    u32 hpet_id;         /* its capabilities and id register's low half */
};

/* Bytes acpi_tables_build needs at most. */
#define ACPI_TABLES_MAX_BYTES 4096u

/* Writes the tables into buf (cap bytes, which the guest sees at guest-physical address base,
 * 16-byte aligned) with the RSDP first, at base. Returns the bytes used, or 0 if cap is too
 * small or the parameters are out of range. */
u32 acpi_tables_build(u8 *buf, u32 cap, u64 base, const struct acpi_tables_params *p);

#endif
