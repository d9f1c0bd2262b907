/* ACPI tables for a VM (<arch/acpi_tables.h>). Layouts from the ACPI 6.5 specification,
 * chapter 5.2 (RSDP 5.2.5, XSDT 5.2.8, FADT 5.2.9, FACS 5.2.10, MADT 5.2.12) and the AML
 * encoding of chapter 20 for the one DSDT object. */
#include <arch/acpi_tables.h>
#include <lib/string.h>

#define OEM_ID "CVISOR"
#define OEM_TABLE_ID "CVISORVM"
#define HEADER 36u
#define FADT_LEN 276u /* revision 6 */
#define FACS_LEN 64u
#define HPET_LEN 56u
#define MADT_PCAT_COMPAT 1u /* the 8259 pair exists (masked: everything goes through the I/O APIC) */
#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_PWR_BUTTON (1u << 4)  /* no fixed power button */
#define FADT_SLP_BUTTON (1u << 5)  /* no fixed sleep button */
#define FADT_RESET_REG_SUP (1u << 10)
#define BOOT_LEGACY_DEVICES (1u << 0)
#define BOOT_NO_VGA (1u << 2)
/* MPS INTI flags: active high (01), level (11 << 2). */
#define INTI_LEVEL_HIGH 0x000du

static void put(u8 *p, u32 off, u64 v, u32 n) { memcpy(p + off, &v, n); }

static u8 sum(const u8 *p, u32 n)
{
    u8 s = 0;
    for (u32 i = 0; i < n; i++)
        s = (u8)(s + p[i]);
    return s;
}

/* The common header; the checksum is set by finish once the body is written. */
static void header(u8 *t, const char *sig, u32 len, u8 rev)
{
    memcpy(t, sig, 4);
    put(t, 4, len, 4);
    t[8] = rev;
    memcpy(t + 10, OEM_ID, 6);
    memcpy(t + 16, OEM_TABLE_ID, 8);
    put(t, 24, 1, 4);          /* OEM revision */
    memcpy(t + 28, "CVSR", 4); /* creator id */
    put(t, 32, 1, 4);          /* creator revision */
}

static void finish(u8 *t, u32 len) { t[9] = (u8)(0x100 - sum(t, len)); }

/* DefinitionBlock body: Name (\_S5, Package (4) { typ, typ, 0, 0 }). */
static const u8 dsdt_body[] = {
    0x08, '\\', '_', 'S', '5', '_', /* NameOp, root prefix, name */
    0x12, 0x06, 0x04,               /* PackageOp, PkgLength 6, 4 elements */
    0x0a, ACPI_S5_SLP_TYP,          /* BytePrefix: SLP_TYPa */
    0x0a, ACPI_S5_SLP_TYP,          /* SLP_TYPb */
};

u32 acpi_tables_build(u8 *buf, u32 cap, u64 base, const struct acpi_tables_params *p)
{
    if (p->cpus == 0 || p->cpus > ACPI_MAX_CPUS || (base & 15) || cap < ACPI_TABLES_MAX_BYTES ||
        base + ACPI_TABLES_MAX_BYTES > 0x100000000ull)
        return 0;
    memset(buf, 0, ACPI_TABLES_MAX_BYTES);
    /* Layout: RSDP 0, XSDT 0x40, FACS 0x80 (64-byte aligned), FADT 0xc0, DSDT, MADT, HPET. */
    const u32 rsdp = 0, xsdt = 0x40, facs = 0x80, fadt = 0xc0, dsdt = fadt + FADT_LEN;
    const u32 dsdt_len = HEADER + (u32)sizeof(dsdt_body);
    const u32 madt = (dsdt + dsdt_len + 15) & ~15u;

    /* MADT: the local APIC address and flags, a local APIC per vCPU, the I/O APIC, overrides. */
    u8 *m = buf + madt;
    u32 at = HEADER + 8;
    put(m, HEADER, p->lapic_base, 4);
    put(m, HEADER + 4, MADT_PCAT_COMPAT, 4);
    for (u32 i = 0; i < p->cpus; i++, at += 8) {
        m[at] = 0, m[at + 1] = 8, m[at + 2] = (u8)i, m[at + 3] = (u8)i;
        put(m, at + 4, 1, 4); /* enabled */
    }
    if (p->ioapic_base) {
        m[at] = 1, m[at + 1] = 12, m[at + 2] = (u8)p->ioapic_id;
        put(m, at + 4, p->ioapic_base, 4);
        put(m, at + 8, 0, 4); /* GSI base */
        at += 12;
        /* ISA IRQ 0 (the PIT) is GSI 2; the SCI is level-triggered, active high. */
        const struct { u8 irq; u32 gsi; u16 flags; } iso[] = {{0, 2, 0}, {ACPI_SCI_IRQ, ACPI_SCI_IRQ, INTI_LEVEL_HIGH}};
        for (u32 i = 0; i < 2; i++, at += 10) {
            m[at] = 2, m[at + 1] = 10, m[at + 2] = 0, m[at + 3] = iso[i].irq;
            put(m, at + 4, iso[i].gsi, 4);
            put(m, at + 8, iso[i].flags, 2);
        }
    }
    header(m, "APIC", at, 4);
    finish(m, at);
    const u32 madt_len = at;
    if (madt + madt_len + 16 + HPET_LEN > ACPI_TABLES_MAX_BYTES)
        return 0;

    /* DSDT. */
    u8 *d = buf + dsdt;
    header(d, "DSDT", dsdt_len, 2);
    memcpy(d + HEADER, dsdt_body, sizeof(dsdt_body));
    finish(d, dsdt_len);

    /* FACS: no checksum; the firmware waking vector stays 0 (no sleep states but S5). */
    u8 *fs = buf + facs;
    memcpy(fs, "FACS", 4);
    put(fs, 4, FACS_LEN, 4);
    fs[32] = 2; /* version */

    /* FADT. */
    u8 *f = buf + fadt;
    header(f, "FACP", FADT_LEN, 6);
    put(f, 36, base + facs, 4);
    put(f, 40, base + dsdt, 4);
    put(f, 46, ACPI_SCI_IRQ, 2);
    /* SMI_CMD 0: no SMM to hand over from, the machine is in ACPI mode from the start. */
    put(f, 56, ACPI_PM1A_EVT_PORT, 4);
    put(f, 64, ACPI_PM1A_CNT_PORT, 4);
    put(f, 76, ACPI_PM_TMR_PORT, 4);
    f[88] = 4, f[89] = 2, f[91] = 4; /* PM1_EVT_LEN, PM1_CNT_LEN, PM_TMR_LEN; no GPE blocks */
    put(f, 96, 101, 2);   /* P_LVL2_LAT > 100: no C2 */
    put(f, 98, 1001, 2);  /* P_LVL3_LAT > 1000: no C3 */
    f[108] = 0x32;        /* CENTURY: the CMOS register of the century */
    put(f, 109, BOOT_LEGACY_DEVICES | BOOT_NO_VGA, 2); /* no 8042 (bit 1 clear) */
    put(f, 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP, 4);
    f[116] = 1, f[117] = 8, f[118] = 0, f[119] = 1; /* RESET_REG: system I/O, 8 bits, byte access */
    put(f, 120, ACPI_RESET_PORT, 8);
    f[128] = ACPI_RESET_VALUE;
    f[131] = 5; /* FADT minor version: 6.5 */
    finish(f, FADT_LEN);

    /* HPET: its id register, its base (a memory GAS), number 0, minimum tick 128, no page protection. */
    u32 end = madt + madt_len, hpet = (end + 15) & ~15u;
    if (p->hpet_base) {
        u8 *h = buf + hpet;
        header(h, "HPET", HPET_LEN, 1);
        put(h, 36, p->hpet_id, 4);
        h[40] = 0, h[41] = 64, h[42] = 0, h[43] = 0; /* GAS: system memory, 64 bits */
        put(h, 44, p->hpet_base, 8);
        h[52] = 0;
        put(h, 53, 128, 2);
        h[55] = 0;
        finish(h, HPET_LEN);
        end = hpet + HPET_LEN;
    }

    /* XSDT: FADT, MADT (and HPET). */
    u8 *x = buf + xsdt;
    u32 xlen = HEADER + (p->hpet_base ? 24 : 16);
    header(x, "XSDT", xlen, 1);
    put(x, HEADER, base + fadt, 8);
    put(x, HEADER + 8, base + madt, 8);
    if (p->hpet_base)
        put(x, HEADER + 16, base + hpet, 8);
    finish(x, xlen);

    /* RSDP (revision 2: the XSDT; no RSDT). */
    u8 *r = buf + rsdp;
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, OEM_ID, 6);
    r[15] = 2;
    put(r, 20, 36, 4);
    put(r, 24, base + xsdt, 8);
    r[8] = (u8)(0x100 - sum(r, 20));
    r[32] = (u8)(0x100 - sum(r, 36));
    return end;
}
