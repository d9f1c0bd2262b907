/* Test-guest entry (EL1, MMU off). vCPU 0 enters at _start with x0 = DTB (or 0); others arrive
 * at secondary_start through PSCI CPU_ON with x0 = their vCPU index as context id. */
#define STACK_SIZE 16384
#define MAX_VCPUS 16

    .section .text.start, "ax"
    .global _start
_start:
    mov     x19, x0
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  mov     x0, #0
    bl      set_stack
    mov     x0, x19
    bl      guest_main
    b       guest_exit_off

    .global secondary_start
secondary_start:
    mov     x19, x0
    bl      set_stack
    mov     x0, x19
    bl      guest_secondary_main
    b       guest_cpu_off

set_stack:
    and     x0, x0, #(MAX_VCPUS - 1)
    adrp    x1, guest_stacks
    add     x1, x1, :lo12:guest_stacks
    add     x0, x0, #1
    mov     x2, #STACK_SIZE
    madd    x1, x0, x2, x1
    mov     sp, x1
    /* FP/SIMD on at EL1 (C code may use it). */
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    isb
    ret

    .bss
    .balign 16
guest_stacks:
    .space  STACK_SIZE * MAX_VCPUS
