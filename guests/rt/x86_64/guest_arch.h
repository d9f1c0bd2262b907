/* x86_64 additions to the test guests' runtime: the PC's COM1 (16550 at port 0x3f8), CPUID, port
 * I/O, and where the configs put the guests' RAM. */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <lib/types.h>

#define GUEST_BOOT_ARG "EBX"     /* guest_main's argument: the multiboot information's address */
#define GUEST_RAM_BASE 0x0ul      /* the configs give 16 MiB of RAM at 0 */
#define GUEST_RAM_END 0x1000000ul
#define GUEST_CPU_STATUS_NAME "none"
#define GUEST_CPU_ON_NAME "INIT/SIPI"
#define GUEST_CPU_STATUS_OFF 1

extern u32 guest_multiboot_magic; /* EAX at entry (start.S) */

struct guest_cpuid {
    u32 eax, ebx, ecx, edx;
};

static inline struct guest_cpuid guest_cpuid(u32 leaf, u32 sub)
{
    struct guest_cpuid r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(sub));
    return r;
}

static inline void guest_outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port) : "memory"); }
static inline void guest_outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port) : "memory"); }
static inline u8 guest_inb(u16 port)
{
    u8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
    return v;
}

#endif
