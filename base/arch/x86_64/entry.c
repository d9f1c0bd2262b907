/* The C entry points of boot.S: the boot CPU describes the machine (no DTB on x86) and hands it to
 * the generic boot; the others load their descriptor tables and join it. Nothing calls into this
 * file but the entry code (it is the root of the module graph, as boot.S is elsewhere). */
#include <arch/x86_cpu.h>
#include <base/boot.h>
#include <base/log.h>
#include <lib/multiboot.h>

void x86_primary_main(u32 magic, u64 mbi)
{
    x86_cpu_tables_init(0);
    base_early_init();
    if (magic != MULTIBOOT_BOOT_MAGIC)
        panic("boot: not started by a multiboot loader (EAX %#x)", magic);
    base_primary_boot(x86_describe_machine(mbi));
}

void x86_secondary_main(u32 cpu)
{
    x86_cpu_tables_init(cpu);
    base_secondary_main(cpu);
}
