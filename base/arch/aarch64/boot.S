/* Entry points. The image carries an arm64 Linux Image header so that QEMU (-kernel) and
 * boot loaders (booti) load it at RAM + text_offset and pass the DTB in x0. */
#include <arch/asm_offsets.h>

/* Read-only data, not code (link.ld): code0 runs once, with the MMU off, and branches to the
 * code's pages. */
    .section .head, "a"
    .global _head
_head:
    b       primary_entry           /* code0 */
    .long   0                       /* code1 */
    .quad   0x200000                /* text_offset: the link address is RAM base + 2 MiB */
    .quad   __image_size            /* image_size, incl. BSS and stacks */
    .quad   0xa                     /* flags: little endian, 4 KiB pages, anywhere */
    .quad   0, 0, 0
    .ascii  "ARM\x64"
    .long   0

    .text
primary_entry:
    mov     x19, x0                 /* DTB physical address */
    mrs     x1, CurrentEL
    cmp     x1, #(2 << 2)
    b.ne    not_at_el2

    /* Zero BSS (MMU off: plain stores, no DC ZVA). */
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:
    mov     x0, #0
    bl      set_cpu_stack_and_vectors
    mov     x0, x19
    bl      base_primary_main
    b       park

/* Secondary CPUs arrive here from PSCI CPU_ON with x0 = logical CPU number. The MMU is off and
 * caches may hold lines this CPU cannot see yet, so nothing is read before the MMU is on but
 * mmu_boot_params, which the boot CPU cleaned to the point of coherency. */
    .global secondary_entry
secondary_entry:
    mov     x19, x0
    adrp    x1, mmu_boot_params
    add     x1, x1, :lo12:mmu_boot_params
    ldr     x2, [x1, #MMU_PARAMS_MAIR]
    msr     mair_el2, x2
    ldr     x2, [x1, #MMU_PARAMS_TCR]
    msr     tcr_el2, x2
    ldr     x2, [x1, #MMU_PARAMS_TTBR]
    msr     ttbr0_el2, x2
    isb
    tlbi    alle2
    dsb     nsh
    ldr     x2, [x1, #MMU_PARAMS_SCTLR]
    msr     sctlr_el2, x2
    isb
    mov     x0, x19
    bl      set_cpu_stack_and_vectors
    mov     x0, x19
    bl      base_secondary_main
    b       park

/* x0 = cpu: sp = top of that CPU's stack, TPIDR_EL2 = &percpu_data[cpu], VBAR_EL2. */
set_cpu_stack_and_vectors:
    adrp    x1, cpu_stacks
    add     x1, x1, :lo12:cpu_stacks
    add     x2, x0, #1
    mov     x3, #CPU_STACK_SIZE_ASM
    madd    x1, x2, x3, x1
    mov     sp, x1
    adrp    x1, percpu_data
    add     x1, x1, :lo12:percpu_data
    mov     x3, #PERCPU_SIZE
    madd    x1, x0, x3, x1
    msr     tpidr_el2, x1
    adrp    x1, el2_vectors
    add     x1, x1, :lo12:el2_vectors
    msr     vbar_el2, x1
    isb
    ret

not_at_el2:
park:
    msr     daifset, #0xf
1:  wfi
    b       1b
