/* A Linux bzImage as a VM's kernel (Documentation/arch/x86/boot.rst, 64-bit boot protocol): the
 * setup header read and checked (linux_boot.c), the protected-mode kernel moved down to
 * kernel_load_addr (the whole file was loaded there), the boot_params with the E820 map of the
 * VM's RAM, the command line and the initrd, ACPI tables for the VM (acpi_tables.c), and the boot
 * vCPU entered in 64-bit mode at the kernel's 64-bit entry with identity-mapped page tables of
 * the low 4 GiB and RSI = the boot_params. Its low memory, which Linux reserves or frees itself:
 *
 *   0x1000 GDT, 0x2000 PML4, 0x3000 PDPT, 0x4000-0x7fff four page directories (2 MiB pages),
 *   0x8000 boot_params, 0x9000 the command line, 0xe0000 the ACPI tables (E820 reserved). */
#include <arch/acpi_tables.h>
#include <arch/linux_boot.h>
#include <arch/linux_guest.h>
#include <arch/vhpet.h>
#include <arch/vioapic.h>
#include <arch/vlapic.h>
#include <arch/x86_vendor.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/vm.h>
#include <lib/string.h>

#define GDT_GPA 0x1000u
#define PML4_GPA 0x2000u
#define PDPT_GPA 0x3000u
#define PD_GPA 0x4000u
#define BOOT_PARAMS_GPA 0x8000u
#define CMDLINE_GPA 0x9000u
#define CMDLINE_MAX 0x1000u
#define LOW_END 0xa000u        /* the end of what cvisor writes below the EBDA */
#define EBDA 0x9fc00ull        /* reserved from here to 1 MiB (EBDA, VGA, BIOS areas), as on a PC */
#define ACPI_GPA 0xe0000ull
#define ONE_MIB 0x100000ull
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull

static bool fail(struct vm *vm, const char *fmt, const char *what)
{
    LOG_AT(LOG_ERROR, (long)vm->id, fmt, what);
    vm_request_end(vm, VM_END_FAULT, "Linux boot: %s", what);
    return true;
}

static bool in_ram(struct vm *vm, u64 a, u64 len) { return vm_gpa_in_ram(vm, gpa(a), len); }

/* The E820 map: each RAM region, less the PC's hole from the EBDA to 1 MiB, which is reserved
 * where a region covers it (the ACPI tables sit there). */
static u32 e820_build(const struct vm_config *c, struct linux_e820 *e, u32 max)
{
    u32 n = 0;
    for (size_t i = 0; i < c->region_count && n + 3 <= max; i++) {
        const struct vm_mem_region *r = &c->regions[i];
        if (r->flags & VM_MEM_DEVICE)
            continue;
        u64 b = r->gpa.val, end = b + r->size;
        if (b < EBDA)
            e[n++] = (struct linux_e820){b, (end < EBDA ? end : EBDA) - b, LINUX_E820_RAM};
        if (b < ONE_MIB && end > EBDA) {
            u64 hb = b > EBDA ? b : EBDA, he = end < ONE_MIB ? end : ONE_MIB;
            e[n++] = (struct linux_e820){hb, he - hb, LINUX_E820_RESERVED};
        }
        if (end > ONE_MIB) {
            u64 rb = b > ONE_MIB ? b : ONE_MIB;
            e[n++] = (struct linux_e820){rb, end - rb, LINUX_E820_RAM};
        }
    }
    return n;
}

static void page_tables(struct vm *vm)
{
    u64 *pml4 = vm_gpa_to_hva(vm, gpa(PML4_GPA), 4096), *pdpt = vm_gpa_to_hva(vm, gpa(PDPT_GPA), 4096);
    u64 *pd = vm_gpa_to_hva(vm, gpa(PD_GPA), 4 * 4096);
    memset(pml4, 0, 4096);
    memset(pdpt, 0, 4096);
    pml4[0] = PDPT_GPA | PTE_P | PTE_W;
    for (u64 i = 0; i < 4; i++)
        pdpt[i] = (PD_GPA + i * 4096) | PTE_P | PTE_W;
    for (u64 i = 0; i < 4 * 512; i++)
        pd[i] = (i << 21) | PTE_P | PTE_W | PTE_PS;
    /* null, null, 0x10: 64-bit code (__BOOT_CS), 0x18: data (__BOOT_DS) */
    u64 *gdt = vm_gpa_to_hva(vm, gpa(GDT_GPA), 32);
    gdt[0] = gdt[1] = 0;
    gdt[2] = 0x00af9a000000ffffull;
    gdt[3] = 0x00cf92000000ffffull;
}

bool x86_linux_boot(struct vm *vm, struct vcpu *boot)
{
    const struct vm_config *c = vm->config;
    if (!c->kernel.present || vm->kernel_size == 0)
        return false;
    u64 kgpa = c->kernel.load_gpa.val;
    u8 *img = vm_gpa_to_hva(vm, gpa(kgpa), vm->kernel_size);
    if (!img)
        return false;
    struct linux_bzimage bz;
    const char *why;
    if (img[0x202] != 'H' || vm->kernel_size < 0x206 || memcmp(img + 0x202, "HdrS", 4) != 0)
        return false; /* not a bzImage: a multiboot kernel */
    if (linux_bzimage_parse(img, vm->kernel_size, &bz, &why) != 0)
        return fail(vm, "Linux boot: kernel.kernel_path: %s", why);
    if (!vm->arch.lapic || !vm->arch.ioapic_present)
        return fail(vm, "Linux boot: %s", "a Linux guest needs interrupt_mode = \"emu\" (local and I/O APICs)");
    if (!in_ram(vm, 0, ONE_MIB))
        return fail(vm, "Linux boot: %s", "a Linux guest needs RAM from guest-physical 0 to 1 MiB (boot data, ACPI)");
    if (kgpa < ONE_MIB || (bz.relocatable ? (bz.kernel_alignment && (kgpa & (bz.kernel_alignment - 1)))
                                          : kgpa != bz.pref_address))
        return fail(vm, "Linux boot: kernel.kernel_load_addr: %s",
                    bz.relocatable ? "must be above 1 MiB and aligned to the kernel's kernel_alignment"
                                   : "must be the kernel's pref_address (it is not relocatable)");
    if (!in_ram(vm, kgpa, bz.init_size))
        return fail(vm, "Linux boot: %s", "the kernel's init_size from kernel_load_addr is not all RAM of one region");
    u64 initrd = c->ramdisk.present ? c->ramdisk.load_gpa.val : 0, initrd_size = vm->ramdisk_size;
    if (initrd_size && ((initrd < kgpa + bz.init_size && initrd + initrd_size > kgpa) ||
                        initrd + initrd_size - 1 > bz.initrd_addr_max))
        return fail(vm, "Linux boot: kernel.ramdisk_load_addr: %s",
                    "the initrd overlaps the kernel's init_size or lies above its initrd_addr_max");
    size_t cmd_len = c->has_cmdline ? strlen(c->cmdline) : 0;
    if (cmd_len >= CMDLINE_MAX || cmd_len > bz.cmdline_size)
        return fail(vm, "Linux boot: kernel.cmdline: %s", "longer than the kernel accepts");

    u8 *low = vm_gpa_to_hva(vm, gpa(0), ONE_MIB);
    memset(low, 0, LOW_END);
    memcpy(low + CMDLINE_GPA, c->has_cmdline ? c->cmdline : "", cmd_len + 1);
    struct acpi_tables_params ap = {.cpus = vm->vcpu_count, .lapic_base = VLAPIC_BASE,
                                    .ioapic_id = vm->arch.ioapic.id, .ioapic_base = VIOAPIC_BASE,
                                    .hpet_base = vm->arch.platform.hpet_present ? VHPET_BASE : 0,
                                    .hpet_id = vhpet_id()};
    memset(low + ACPI_GPA, 0, ONE_MIB - ACPI_GPA);
    if (acpi_tables_build(low + ACPI_GPA, ACPI_TABLES_MAX_BYTES, ACPI_GPA, &ap) == 0)
        return fail(vm, "Linux boot: %s", "too many vCPUs for the ACPI tables");
    struct linux_e820 e820[16];
    struct linux_boot_args args = {.cmdline_gpa = CMDLINE_GPA, .initrd_gpa = (u32)initrd,
                                   .initrd_size = (u32)initrd_size, .acpi_rsdp = ACPI_GPA, .e820 = e820,
                                   .e820_count = e820_build(c, e820, ARRAY_SIZE(e820))};
    linux_boot_params_build(low + BOOT_PARAMS_GPA, img, &bz, &args);
    page_tables(vm);
    /* The protected-mode kernel follows the setup sectors in the file: down to its load address. */
    memmove(img, img + bz.setup_bytes, bz.kernel_bytes);
    x86_vendor->vcpu_reset_long64(boot, kgpa + LINUX_ENTRY64_OFFSET, PML4_GPA, GDT_GPA, 31);
    x86_vendor->gpr_set(boot, X86_RSI, BOOT_PARAMS_GPA);
    LOG_AT(LOG_INFO, (long)vm->id, "Linux boot protocol %u.%02u: kernel at %#llx (%u bytes), initrd %#llx (%llu bytes), "
           "%u vCPUs", bz.version >> 8, bz.version & 0xff, (unsigned long long)kgpa, bz.kernel_bytes,
           (unsigned long long)initrd, (unsigned long long)initrd_size, vm->vcpu_count);
    return true;
}
