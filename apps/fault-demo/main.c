/* An application of the base that faults on purpose in the hypervisor: shows (and lets a test
 * check) the base's fatal exception report, and that the machine powers off afterwards. The
 * boot loader's command line (QEMU's -append) picks the fault:
 *   (none)        read an address nothing maps
 *   write-code    write over the image's own code        (read-only: W^X)
 *   write-rodata  write to a const object                (read-only)
 *   exec-data     call into a writable buffer in the BSS (never executable: W^X) */
#include <base/app.h>
#include <base/boot.h>
#include <base/log.h>
#include <base/machine.h>
#include <lib/string.h>

#define UNMAPPED_ADDRESS 0x7f00000000ull /* inside every port's VA space, mapped by nothing */

static const u64 constant_word = 0x5eed;
static u8 data_buffer[64] __attribute__((aligned(64)));

void app_secondary_main(u32 cpu) { (void)cpu; }

/* The command line's last word (QEMU's multiboot loader puts the image's file name first). */
static const char *fault_mode(void)
{
    const char *line = boot_info.machine->cmdline ? boot_info.machine->cmdline : "", *word = line;
    for (const char *p = line; *p; p++)
        if (*p == ' ' && p[1])
            word = p + 1;
    return word;
}

void app_main(void)
{
    const char *mode = fault_mode();
    if (strcmp(mode, "write-code") == 0) {
        volatile u32 *code = (volatile u32 *)(uintptr_t)&app_main;
        pr_info("fault-demo: writing over the code at %p", (void *)code);
        *code = 0;
    } else if (strcmp(mode, "write-rodata") == 0) {
        volatile u64 *ro = (volatile u64 *)(uintptr_t)&constant_word;
        pr_info("fault-demo: writing the read-only word at %p", (void *)ro);
        *ro = 0;
    } else if (strcmp(mode, "exec-data") == 0) {
        void (*fn)(void) = (void (*)(void))(uintptr_t)data_buffer;
        pr_info("fault-demo: calling the writable buffer at %p", (void *)data_buffer);
        fn();
    } else {
        pr_info("fault-demo: reading unmapped %#llx in the hypervisor", UNMAPPED_ADDRESS);
        u64 v = *(volatile u64 *)(uintptr_t)UNMAPPED_ADDRESS;
        pr_info("fault-demo: UNREACHABLE, read %#llx", (unsigned long long)v);
        return;
    }
    pr_info("fault-demo: UNREACHABLE, the %s access went through", mode);
}
