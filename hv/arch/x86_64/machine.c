/* The x86_64 parts of a guest's machine: the multiboot (v1) boot protocol, by which NimbOS,
 * ArceOS and cvisor's test guests start (EAX = 0x2BADB002, EBX = the guest-physical address of
 * the multiboot information, with the memory map of the VM's RAM), and no device tree. */
#include <arch/linux_guest.h>
#include <arch/x86_vendor.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/vm.h>
#include <hv/vm_fdt.h>
#include <lib/multiboot.h>
#include <lib/string.h>

#define BOOT_INFO_BYTES PAGE_SIZE
#define LOADER_NAME "cvisor"

void vm_arch_host_info(struct vm_host_info *h) { (void)h; }

void vm_arch_fdt_params(struct vm *vm, struct vm_fdt_params *p) { (void)vm, (void)p; }

/* The multiboot information goes in the last page of the VM's largest RAM region, which the
 * memory map then shows as reserved: the kernel (loaded low, at its load address) does not
 * overwrite it, and does not take it for free memory. */
static int boot_info_place(const struct vm_config *c, size_t *region)
{
    int best = -1;
    for (size_t i = 0; i < c->region_count; i++) {
        if (c->regions[i].flags & VM_MEM_DEVICE || c->regions[i].size < 2 * PAGE_SIZE ||
            c->regions[i].gpa.val + c->regions[i].size > 0x100000000ull)
            continue;
        if (best < 0 || c->regions[i].size > c->regions[best].size)
            best = (int)i;
    }
    if (best < 0)
        return -1;
    *region = (size_t)best;
    return 0;
}

struct mb_writer {
    u8 *base;
    u32 gpa;
    u32 used;
};

static void mmap_add(struct mb_writer *w, struct multiboot_info *mi, u64 base, u64 len, u32 type)
{
    if (!len || w->used + 24 > BOOT_INFO_BYTES - 64)
        return;
    u8 *e = w->base + w->used;
    u32 size = 20;
    memcpy(e, &size, 4);
    memcpy(e + 4, &base, 8);
    memcpy(e + 12, &len, 8);
    memcpy(e + 20, &type, 4);
    w->used += 24;
    mi->mmap_length += 24;
}

static u32 put_string(struct mb_writer *w, const char *s)
{
    size_t n = strlen(s) + 1;
    if (w->used + n > BOOT_INFO_BYTES)
        return 0;
    memcpy(w->base + w->used, s, n);
    u32 at = w->gpa + w->used;
    w->used += (u32)n;
    return at;
}

extern const u8 x86_boot_stub[], x86_boot_stub_end[];

/* The boot-stub form (vm_x86_boot_stub): the boot vCPU starts in real mode at entry_point, a
 * 4 KiB page below 1 MiB (as a startup IPI starts a CPU: CS = entry >> 4, IP = 0), where the
 * config's bios_path image was loaded, or else cvisor's own stub (boot_stub.S) is put; ESI
 * holds the kernel's entry for cvisor's stub (an image of its own knows where it jumps). */
static void boot_stub_setup(struct vm *vm, struct vcpu *boot)
{
    const struct vm_config *c = vm->config;
    u64 entry = c->entry_point.val, size = (u64)(x86_boot_stub_end - x86_boot_stub);
    if (!c->bios.present) {
        u8 *p = vm_gpa_to_hva(vm, gpa(entry), size);
        if (!p) { /* (vm_arch_config_check: inside its RAM) */
            LOG_AT(LOG_ERROR, (long)vm->id, "boot stub: no RAM at entry_point %#llx", (unsigned long long)entry);
            return;
        }
        memcpy(p, x86_boot_stub, size);
    }
    x86_vendor->vcpu_reset_sipi(boot, (u8)(entry >> 12));
    x86_vendor->gpr_set(boot, X86_RSI, c->kernel.load_gpa.val);
    LOG_AT(LOG_INFO, (long)vm->id, "boot stub: %s at %#llx (real mode), multiboot kernel at %#llx",
           c->bios.present ? c->bios.path : "cvisor's own", (unsigned long long)entry,
           (unsigned long long)c->kernel.load_gpa.val);
}

/* A bzImage boots by the Linux protocol (linux_guest.c); anything else by multiboot. */
void vm_arch_boot_setup(struct vm *vm, struct vcpu *boot)
{
    const struct vm_config *c = vm->config;
    size_t ri;
    if (x86_linux_boot(vm, boot))
        return;
    /* (vm_arch_config_check refused configs without room for it) */
    if (boot_info_place(c, &ri) != 0)
        return;
    const struct vm_mem_region *r = &c->regions[ri];
    u64 info = r->gpa.val + r->size - BOOT_INFO_BYTES;
    u8 *p = vm_gpa_to_hva(vm, gpa(info), BOOT_INFO_BYTES);
    if (!p || info + BOOT_INFO_BYTES > 0x100000000ull) {
        LOG_AT(LOG_ERROR, (long)vm->id, "multiboot: no room below 4 GiB for the boot information; EBX = 0");
        return;
    }
    memset(p, 0, BOOT_INFO_BYTES);
    struct multiboot_info *mi = (struct multiboot_info *)p;
    struct mb_writer w = {p, (u32)info, 128}; /* the info struct's full v1 size, then the map */
    mi->flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_MEM_MAP | (1u << 9) /* boot loader name */;
    mi->mmap_addr = (u32)info + w.used;
    u64 lower = 0, upper = 0;
    for (size_t i = 0; i < c->region_count; i++) {
        const struct vm_mem_region *m = &c->regions[i];
        if (m->flags & VM_MEM_DEVICE)
            continue;
        u64 b = m->gpa.val, e = b + m->size;
        if (i == ri) {
            mmap_add(&w, mi, b, m->size - BOOT_INFO_BYTES, MULTIBOOT_MEMORY_AVAILABLE);
            mmap_add(&w, mi, info, BOOT_INFO_BYTES, MULTIBOOT_MEMORY_RESERVED);
        } else {
            mmap_add(&w, mi, b, m->size, MULTIBOOT_MEMORY_AVAILABLE);
        }
        if (b == 0)
            lower = (e < 0xa0000 ? e : 0xa0000) / 1024;
        if (b <= 0x100000 && e > 0x100000)
            upper = ((i == ri ? info : e) - 0x100000) / 1024;
    }
    mi->mem_lower = (u32)lower;
    mi->mem_upper = (u32)upper;
    u32 name = put_string(&w, LOADER_NAME);
    memcpy(p + 64, &name, 4); /* boot_loader_name, after the v1 fields struct multiboot_info names */
    if (c->has_cmdline) {
        mi->cmdline = put_string(&w, c->cmdline);
        if (mi->cmdline)
            mi->flags |= MULTIBOOT_INFO_CMDLINE;
    }
    if (vm_x86_boot_stub(c))
        boot_stub_setup(vm, boot); /* (its reset first: RAX lives in the control block) */
    x86_vendor->gpr_set(boot, X86_RAX, MULTIBOOT_BOOT_MAGIC);
    x86_vendor->gpr_set(boot, X86_RBX, info);
}
