/* hello's x86_64 checks: its 16550 (COM1, an emulated one at port 0x3f8), the multiboot entry
 * state (EAX's magic, the memory map in the information EBX points to) and cvisor's CPUID leaf. */
#include "guest.h"
#include <lib/multiboot.h>
#include <lib/string.h>

void hello_arch(long id, u64 boot_arg);

void hello_arch(long id, u64 boot_arg)
{
    uart_printf("hello: vm%ld writes straight to its 16550\n", id);
    const struct multiboot_info *mi = (const struct multiboot_info *)(unsigned long)boot_arg;
    struct guest_cpuid hv = guest_cpuid(0x40000000, 0), f1 = guest_cpuid(1, 0);
    char sig[13];
    memcpy(sig, &hv.ebx, 4);
    memcpy(sig + 4, &hv.ecx, 4);
    memcpy(sig + 8, &hv.edx, 4);
    sig[12] = 0;
    gprintf("hello: multiboot magic %#x, CPUID hypervisor bit %u, leaf 0x40000000 \"%s\" up to %#x, unknown "
            "hypercall -> %ld\n", guest_multiboot_magic, (f1.ecx >> 31) & 1, sig, hv.eax, hypercall(999, 0, 0));
    if (guest_multiboot_magic != 0x2badb002u || !(mi->flags & MULTIBOOT_INFO_MEM_MAP))
        return;
    u32 off = 0;
    struct multiboot_mmap_entry e;
    while (multiboot_mmap_next((const u8 *)(unsigned long)mi->mmap_addr, mi->mmap_length, &off, &e))
        gprintf("hello: memory map: [%#llx, %#llx) type %u\n", (unsigned long long)e.base,
                (unsigned long long)(e.base + e.length), e.type);
}
