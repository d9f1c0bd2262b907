/* ACPI table parser (see <lib/acpi.h>): checks before use, bounds on every read. */
#include <lib/acpi.h>
#include <lib/string.h>

#define RSDP_V1_SIZE 20u
#define RSDP_V2_SIZE 36u

static u16 le16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 le32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }
static u64 le64(const u8 *p) { return le32(p) | (u64)le32(p + 4) << 32; }

static u8 sum(const u8 *p, u64 len)
{
    u8 s = 0;
    for (u64 i = 0; i < len; i++)
        s = (u8)(s + p[i]);
    return s;
}

static const u8 *map(const struct acpi_mem *mem, u64 pa, u64 len)
{
    if (!len || pa + len < pa)
        return NULL;
    return mem->map(mem->ctx, pa, len);
}

static bool rsdp_valid(const struct acpi_mem *mem, u64 pa)
{
    const u8 *p = map(mem, pa, RSDP_V1_SIZE);
    if (!p || memcmp(p, "RSD PTR ", 8) != 0 || sum(p, RSDP_V1_SIZE) != 0)
        return false;
    if (p[15] < 2)
        return true;
    const u8 *x = map(mem, pa, RSDP_V2_SIZE);
    if (!x)
        return false;
    u32 len = le32(x + 20);
    if (len < RSDP_V2_SIZE || len > 4096)
        return false;
    x = map(mem, pa, len);
    return x && sum(x, len) == 0;
}

bool acpi_find_rsdp(const struct acpi_mem *mem, u64 start, u64 len, u64 *rsdp_pa)
{
    for (u64 off = ALIGN_UP(start, 16) - start; off + RSDP_V1_SIZE <= len; off += 16)
        if (rsdp_valid(mem, start + off)) {
            *rsdp_pa = start + off;
            return true;
        }
    return false;
}

bool acpi_table_at(const struct acpi_mem *mem, u64 pa, const char *sig, struct acpi_table *out)
{
    const u8 *h = map(mem, pa, ACPI_HEADER_SIZE);
    if (!h || (sig && memcmp(h, sig, 4) != 0))
        return false;
    u32 len = le32(h + 4);
    if (len < ACPI_HEADER_SIZE || len > ACPI_TABLE_MAX_SIZE)
        return false;
    const u8 *t = map(mem, pa, len);
    if (!t || sum(t, len) != 0)
        return false;
    out->pa = pa;
    out->data = t;
    out->length = len;
    out->revision = t[8];
    memcpy(out->signature, t, 4);
    out->signature[4] = '\0';
    return true;
}

int acpi_open(struct acpi *a, const struct acpi_mem *mem, u64 rsdp_pa)
{
    memset(a, 0, sizeof(*a));
    a->mem = mem;
    if (!rsdp_valid(mem, rsdp_pa))
        return ACPI_ERR_RSDP;
    const u8 *p = map(mem, rsdp_pa, RSDP_V1_SIZE);
    a->rsdp_pa = rsdp_pa;
    a->revision = p[15];
    u64 xsdt = a->revision >= 2 ? le64(map(mem, rsdp_pa, RSDP_V2_SIZE) + 24) : 0;
    if (xsdt && acpi_table_at(mem, xsdt, "XSDT", &a->root))
        a->entry_size = 8;
    else if (acpi_table_at(mem, le32(p + 16), "RSDT", &a->root))
        a->entry_size = 4; /* also when the XSDT is broken: the RSDT lists the same tables */
    else
        return ACPI_ERR_ROOT;
    a->entries = (a->root.length - ACPI_HEADER_SIZE) / a->entry_size;
    return ACPI_OK;
}

bool acpi_get_table(const struct acpi *a, const char *sig, u32 instance, struct acpi_table *out)
{
    for (u32 i = 0; i < a->entries; i++) {
        const u8 *e = a->root.data + ACPI_HEADER_SIZE + (u64)i * a->entry_size;
        u64 pa = a->entry_size == 8 ? le64(e) : le32(e);
        if (acpi_table_at(a->mem, pa, sig, out) && instance-- == 0)
            return true;
    }
    return false;
}

/* ---- MADT ---- */

#define MADT_ENTRIES 44u

bool acpi_madt_lapic_address(const struct acpi_table *madt, u64 *address)
{
    if (madt->length < MADT_ENTRIES)
        return false;
    *address = le32(madt->data + ACPI_HEADER_SIZE);
    struct acpi_madt_entry e;
    for (u32 off = 0; acpi_madt_next(madt, &off, &e);)
        if (e.type == ACPI_MADT_LOCAL_APIC_ADDRESS)
            *address = e.u.lapic_address.address;
    return true;
}

bool acpi_madt_next(const struct acpi_table *madt, u32 *offset, struct acpi_madt_entry *e)
{
    u32 at = *offset < MADT_ENTRIES ? MADT_ENTRIES : *offset;
    if (at + 2 > madt->length)
        return false;
    const u8 *p = madt->data + at;
    u8 type = p[0], len = p[1];
    static const u8 min_len[] = {[ACPI_MADT_LOCAL_APIC] = 8, [ACPI_MADT_IO_APIC] = 12,
                                 [ACPI_MADT_INT_OVERRIDE] = 10, [ACPI_MADT_NMI_SOURCE] = 8,
                                 [ACPI_MADT_LOCAL_APIC_NMI] = 6, [ACPI_MADT_LOCAL_APIC_ADDRESS] = 12,
                                 [6] = 2, [7] = 2, [8] = 2, [ACPI_MADT_LOCAL_X2APIC] = 16};
    u8 need = type < sizeof(min_len) ? min_len[type] : 2;
    if (len < 2 || len < need || at + len > madt->length)
        return false;
    memset(e, 0, sizeof(*e));
    e->type = type;
    e->length = len;
    switch (type) {
    case ACPI_MADT_LOCAL_APIC:
        e->u.lapic.uid = p[2];
        e->u.lapic.apic_id = p[3];
        e->u.lapic.flags = le32(p + 4);
        break;
    case ACPI_MADT_LOCAL_X2APIC:
        e->u.lapic.apic_id = le32(p + 4);
        e->u.lapic.flags = le32(p + 8);
        e->u.lapic.uid = le32(p + 12);
        break;
    case ACPI_MADT_IO_APIC:
        e->u.ioapic.id = p[2];
        e->u.ioapic.address = le32(p + 4);
        e->u.ioapic.gsi_base = le32(p + 8);
        break;
    case ACPI_MADT_INT_OVERRIDE:
        e->u.override.bus = p[2];
        e->u.override.source = p[3];
        e->u.override.gsi = le32(p + 4);
        e->u.override.flags = le16(p + 8);
        break;
    case ACPI_MADT_LOCAL_APIC_ADDRESS:
        e->u.lapic_address.address = le64(p + 4);
        break;
    default:
        break;
    }
    *offset = at + len;
    return true;
}

/* ---- FADT ---- */

static bool gas_at(const struct acpi_table *t, u32 off, struct acpi_gas *g)
{
    if (off + 12 > t->length)
        return false;
    const u8 *p = t->data + off;
    *g = (struct acpi_gas){p[0], p[1], p[2], p[3], le64(p + 4)};
    return g->address != 0;
}

static u32 u32_at(const struct acpi_table *t, u32 off) { return off + 4 <= t->length ? le32(t->data + off) : 0; }

/* A legacy 32-bit I/O block (PM1a_CNT_BLK ...) as a system-I/O address. */
static void port_block(const struct acpi_table *t, u32 off, u32 len_off, struct acpi_gas *g)
{
    u32 port = u32_at(t, off);
    u8 len = len_off < t->length ? t->data[len_off] : 0;
    *g = (struct acpi_gas){ACPI_GAS_IO, (u8)(len * 8), 0, 0, port};
}

bool acpi_fadt_parse(const struct acpi_table *fadt, struct acpi_fadt *out)
{
    memset(out, 0, sizeof(*out));
    if (memcmp(fadt->signature, "FACP", 4) != 0 || fadt->length < 76)
        return false;
    u64 x_dsdt = fadt->length >= 148 ? le64(fadt->data + 140) : 0;
    out->dsdt = x_dsdt ? x_dsdt : u32_at(fadt, 40);
    out->sci_irq = le16(fadt->data + 46);
    out->flags = u32_at(fadt, 112);
    port_block(fadt, 64, 89, &out->pm1a_cnt);
    port_block(fadt, 68, 89, &out->pm1b_cnt);
    port_block(fadt, 76, 91, &out->pm_timer);
    struct acpi_gas g;
    if (gas_at(fadt, 172, &g))
        out->pm1a_cnt = g;
    if (gas_at(fadt, 184, &g))
        out->pm1b_cnt = g;
    if (gas_at(fadt, 208, &g))
        out->pm_timer = g;
    if ((out->flags & ACPI_FADT_RESET_REG_SUP) && fadt->length >= 129 && gas_at(fadt, 116, &out->reset_reg)) {
        out->has_reset = true;
        out->reset_value = fadt->data[128];
    }
    return true;
}

/* ---- MCFG ---- */

#define MCFG_ENTRIES 44u
#define MCFG_ENTRY_SIZE 16u

bool acpi_mcfg_entry(const struct acpi_table *mcfg, u32 index, struct acpi_mcfg_entry *e)
{
    if (mcfg->length < MCFG_ENTRIES || index >= (mcfg->length - MCFG_ENTRIES) / MCFG_ENTRY_SIZE)
        return false;
    const u8 *p = mcfg->data + MCFG_ENTRIES + (u64)index * MCFG_ENTRY_SIZE;
    *e = (struct acpi_mcfg_entry){le64(p), le16(p + 8), p[10], p[11]};
    return e->bus_start <= e->bus_end;
}

/* ---- DSDT: \_S5 ---- */

#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_PACKAGE 0x12
#define AML_ONES 0xff

/* One integer constant at *at (ZeroOp, OneOp, OnesOp or a Byte/Word/DWord prefix); its low
 * byte. */
static bool aml_int(const u8 *p, u32 end, u32 *at, u8 *v)
{
    if (*at >= end)
        return false;
    u8 op = p[(*at)++];
    u32 size = op == AML_BYTE ? 1 : op == AML_WORD ? 2 : op == AML_DWORD ? 4 : 0;
    if (op == AML_ZERO || op == AML_ONE || op == AML_ONES) {
        *v = op == AML_ONES ? 0xff : op;
        return true;
    }
    if (!size || *at + size > end)
        return false;
    *v = p[*at];
    *at += size;
    return true;
}

bool acpi_dsdt_s5(const struct acpi_table *dsdt, u8 *slp_typa, u8 *slp_typb)
{
    const u8 *p = dsdt->data;
    u32 end = dsdt->length;
    for (u32 i = ACPI_HEADER_SIZE + 1; i + 4 <= end; i++) {
        if (memcmp(p + i, "_S5_", 4) != 0)
            continue;
        /* NameOp, optionally with the root prefix: `08 5F 53 35 5F` or `08 5C 5F 53 35 5F`. */
        bool named = p[i - 1] == AML_NAME || (p[i - 1] == '\\' && i >= ACPI_HEADER_SIZE + 2 && p[i - 2] == AML_NAME);
        u32 at = i + 4;
        if (!named || at >= end || p[at] != AML_PACKAGE)
            continue;
        at++;
        if (at >= end)
            return false;
        u32 pkg_len_bytes = 1 + (p[at] >> 6); /* PkgLength: lead byte, then 0-3 bytes */
        u32 pkg_start = at;
        u32 pkg_len = pkg_len_bytes == 1 ? (p[at] & 0x3fu) : (p[at] & 0x0fu);
        for (u32 b = 1; b < pkg_len_bytes; b++)
            pkg_len |= (pkg_start + b < end ? (u32)p[pkg_start + b] : 0) << (4 + 8 * (b - 1));
        u32 pkg_end = pkg_start + pkg_len;
        if (pkg_start + pkg_len_bytes >= end || pkg_len < pkg_len_bytes + 1 || pkg_end > end)
            return false;
        at = pkg_start + pkg_len_bytes;
        u8 count = p[at++];
        if (count < 2)
            return false;
        return aml_int(p, pkg_end, &at, slp_typa) && aml_int(p, pkg_end, &at, slp_typb);
    }
    return false;
}
