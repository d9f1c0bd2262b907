/* ACPI table parser (ACPI 6.5, chapter 5.2): the root pointer and root tables, and the few
 * tables a base needs to describe a machine without a device tree: MADT (CPUs' local APIC ids,
 * I/O APICs, interrupt overrides), FADT (power-management ports, reset register, DSDT), MCFG
 * (PCI Express configuration space) and the \_S5 sleep type in the DSDT.
 *
 * The tables are firmware input, so untrusted: every table is checked (signature, length,
 * checksum) before use and every read is bounds-checked against the table's length. Physical
 * memory is read only through acpi_mem.map, which refuses ranges it cannot give (the host tests
 * and the fuzzer give it a buffer). Host-testable, no allocation. */
#ifndef LIB_ACPI_H
#define LIB_ACPI_H

#include <lib/types.h>

#define ACPI_HEADER_SIZE 36u
#define ACPI_TABLE_MAX_SIZE MiB(16) /* a larger length is taken as corrupt */

struct acpi_mem {
    /* A pointer to physical memory [pa, pa + len), or NULL when that range cannot be read. */
    const void *(*map)(void *ctx, u64 pa, u64 len);
    void *ctx;
};

/* A validated table: its whole length is readable at data and sums to zero. */
struct acpi_table {
    u64 pa;
    const u8 *data;
    u32 length;
    u8 revision;
    char signature[5];
};

struct acpi {
    const struct acpi_mem *mem;
    u64 rsdp_pa;
    u8 revision;         /* of the RSDP: 0 for ACPI 1.0, 2 for 2.0 and later */
    struct acpi_table root; /* the XSDT, or the RSDT */
    u32 entry_size;         /* 8 (XSDT) or 4 (RSDT) */
    u32 entries;
};

enum acpi_error {
    ACPI_OK = 0,
    ACPI_ERR_RSDP = -1,      /* no readable RSDP, or its checksum or revision is wrong */
    ACPI_ERR_ROOT = -2,      /* the XSDT/RSDT is unreadable, or its header or checksum is wrong */
};

/* Searches [start, start + len) on 16-byte boundaries for the root pointer ("RSD PTR ", its
 * checksum, and for revision 2+ its length and extended checksum). */
bool acpi_find_rsdp(const struct acpi_mem *mem, u64 start, u64 len, u64 *rsdp_pa);
/* Validates the RSDP at rsdp_pa and its root table (the XSDT when the RSDP has one, else the
 * RSDT). Returns ACPI_OK or an acpi_error. */
int acpi_open(struct acpi *a, const struct acpi_mem *mem, u64 rsdp_pa);
/* The instance-th valid table with signature sig (4 characters) the root table lists; tables
 * that fail validation are skipped. */
bool acpi_get_table(const struct acpi *a, const char *sig, u32 instance, struct acpi_table *out);
/* The table at pa (e.g. the DSDT, which the FADT names), validated; sig may be NULL (any). */
bool acpi_table_at(const struct acpi_mem *mem, u64 pa, const char *sig, struct acpi_table *out);

/* ---- MADT ("APIC") ---- */
enum acpi_madt_type {
    ACPI_MADT_LOCAL_APIC = 0,
    ACPI_MADT_IO_APIC = 1,
    ACPI_MADT_INT_OVERRIDE = 2,
    ACPI_MADT_NMI_SOURCE = 3,
    ACPI_MADT_LOCAL_APIC_NMI = 4,
    ACPI_MADT_LOCAL_APIC_ADDRESS = 5,
    ACPI_MADT_LOCAL_X2APIC = 9,
};
#define ACPI_MADT_ENABLED 1u         /* local APIC flags: the CPU is usable */
#define ACPI_MADT_ONLINE_CAPABLE 2u  /* ... or can be brought online */
/* Interrupt override flags (MPS INTI flags): polarity bits 1:0, trigger mode bits 3:2. */
#define ACPI_MADT_POLARITY(f) ((f)&3u)
#define ACPI_MADT_TRIGGER(f) (((f) >> 2) & 3u)
#define ACPI_MADT_ACTIVE_LOW 3u
#define ACPI_MADT_LEVEL 3u

struct acpi_madt_entry {
    u8 type, length;
    union {
        struct { u32 uid, apic_id, flags; } lapic;           /* LOCAL_APIC and LOCAL_X2APIC */
        struct { u32 id, address, gsi_base; } ioapic;
        struct { u8 bus, source; u32 gsi; u16 flags; } override;
        struct { u64 address; } lapic_address;
    } u;
};
/* The local APIC's 32-bit address of the MADT header (a LOCAL_APIC_ADDRESS entry overrides it). */
bool acpi_madt_lapic_address(const struct acpi_table *madt, u64 *address);
/* Decodes the entry at *offset (start with 0) and advances; false at the end or on a malformed
 * entry (too short for its type, or running past the table). Unknown types are returned with
 * only type and length. */
bool acpi_madt_next(const struct acpi_table *madt, u32 *offset, struct acpi_madt_entry *e);

/* ---- FADT ("FACP") ---- */
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1
struct acpi_gas {
    u8 space, bit_width, bit_offset, access_size;
    u64 address;
};
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)
struct acpi_fadt {
    u64 dsdt;                 /* X_DSDT when present, else DSDT; 0 if none */
    u32 flags;
    u16 sci_irq;
    struct acpi_gas pm1a_cnt, pm1b_cnt; /* X_ blocks when present, else the 32-bit port numbers */
    struct acpi_gas pm_timer;
    bool has_reset;          /* RESET_REG_SUP and a reset register present */
    struct acpi_gas reset_reg;
    u8 reset_value;
};
bool acpi_fadt_parse(const struct acpi_table *fadt, struct acpi_fadt *out);

/* ---- MCFG ---- */
struct acpi_mcfg_entry {
    u64 base;  /* ECAM of bus 0 of this segment (whether or not bus_start is 0) */
    u16 segment;
    u8 bus_start, bus_end;
};
bool acpi_mcfg_entry(const struct acpi_table *mcfg, u32 index, struct acpi_mcfg_entry *e);

/* ---- DSDT: \_S5 ---- */
/* The SLP_TYPa / SLP_TYPb values of the soft-off state, from the DSDT's `Name (_S5, Package
 * () {a, b, ...})` (integer constants only, as firmware writes it). */
bool acpi_dsdt_s5(const struct acpi_table *dsdt, u8 *slp_typa, u8 *slp_typb);

#endif
