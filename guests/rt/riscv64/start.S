/* Test-guest entry (VS-mode, MMU off). vCPU 0 enters at _start with a0 = hart id, a1 = DTB (or 0);
 * others arrive at secondary_start through SBI HSM hart_start with a1 = their context. */
#define STACK_SIZE 16384
#define MAX_VCPUS 16

    .section .text.start, "ax"
    .global _start
_start:
    mv      s1, a1
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  li      a0, 0
    call    set_stack
    mv      a0, s1
    call    guest_main
    j       guest_exit_off

    .global secondary_start
secondary_start:
    mv      s1, a1
    mv      a0, a1
    call    set_stack
    mv      a0, s1
    call    guest_secondary_main
    j       guest_cpu_off

/* a0 = context: sp = the top of stack (context % MAX_VCPUS). No stack used here. */
set_stack:
    andi    a0, a0, MAX_VCPUS - 1
    addi    a0, a0, 1
    li      t0, STACK_SIZE
    mul     a0, a0, t0
    la      t0, guest_stacks
    add     sp, t0, a0
    ret

    .bss
    .balign 16
guest_stacks:
    .space  STACK_SIZE * MAX_VCPUS
