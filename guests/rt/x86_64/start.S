/* Test-guest entry on x86_64: a multiboot (v1) kernel, entered in flat 32-bit protected mode with
 * paging off, EAX = 0x2BADB002 and EBX = the multiboot information (cvisor's boot protocol for
 * x86 VMs, and QEMU's -kernel too: the header gives the load addresses). Interrupts stay off (no
 * IDT: an exception is a triple fault). It identity-maps the first 4 GiB with 2 MiB pages, enters
 * long mode and calls guest_main(EBX). */
#define MB_HEADER_MAGIC 0x1badb002
#define MB_FLAGS ((1 << 1) | (1 << 16))
#define STACK_SIZE 16384

    .section .text.start, "ax"
    .code32
    .global _start
_start:
    jmp     start32
    .balign 4
multiboot_header:
    .long   MB_HEADER_MAGIC
    .long   MB_FLAGS
    .long   -(MB_HEADER_MAGIC + MB_FLAGS)
    .long   multiboot_header
    .long   __image_start
    .long   __load_end
    .long   __bss_end
    .long   _start

start32:
    cli
    cld
    mov     %eax, %ebp              /* magic */
    mov     %ebx, %esi              /* multiboot information */
    mov     $__bss_start, %edi
    mov     $__bss_end, %ecx
    sub     %edi, %ecx
    xor     %eax, %eax
    rep stosb
    mov     %ebp, guest_multiboot_magic
    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages: the low 4 GiB. */
    mov     $pdpt, %eax
    or      $3, %eax
    mov     %eax, pml4
    mov     $pd, %eax
    or      $3, %eax
    mov     $pdpt, %edx
    mov     $4, %ecx
1:  mov     %eax, (%edx)
    add     $4096, %eax
    add     $8, %edx
    loop    1b
    mov     $pd, %edx
    mov     $0x83, %eax
    mov     $2048, %ecx
2:  mov     %eax, (%edx)
    add     $0x200000, %eax
    add     $8, %edx
    loop    2b
    mov     %cr4, %eax
    or      $(1 << 5), %eax         /* PAE */
    mov     %eax, %cr4
    mov     $pml4, %eax
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx       /* EFER.LME */
    rdmsr
    or      $(1 << 8), %eax
    wrmsr
    mov     %cr0, %eax
    or      $((1 << 31) | 1), %eax  /* PG, PE */
    mov     %eax, %cr0
    lgdt    gdt_desc
    ljmp    $0x08, $start64

    .code64
start64:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %ax, %fs
    mov     %ax, %gs
    lea     stack_top(%rip), %rsp
    mov     %esi, %edi              /* guest_main(multiboot information) */
    call    guest_main
    jmp     guest_exit_off

/* The other vCPUs: guest_cpu_on copies this real-mode trampoline to AP_TRAMPOLINE and starts the
 * vCPU there by INIT and a startup IPI (vector AP_TRAMPOLINE >> 12); it goes through protected
 * mode onto the boot CPU's page tables into long mode, then calls
 * guest_secondary_main(ap_context) on the stack ap_stack. */
#define AP_TRAMPOLINE 0x8000
    .code16
    .global ap_trampoline, ap_trampoline_end
ap_trampoline:
    cli
    cld
    lgdtl   %cs:(ap_gdt_desc - ap_trampoline)
    mov     %cr0, %eax
    or      $1, %eax
    mov     %eax, %cr0
    ljmpl   $0x18, $(AP_TRAMPOLINE + ap32 - ap_trampoline)
    .code32
ap32:
    mov     $0x20, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %cr4, %eax
    or      $(1 << 5), %eax
    mov     %eax, %cr4
    mov     $pml4, %eax
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx
    rdmsr
    or      $(1 << 8), %eax
    wrmsr
    mov     %cr0, %eax
    or      $(1 << 31), %eax
    mov     %eax, %cr0
    ljmp    $0x08, $ap64
    .balign 4
ap_gdt_desc:
    .word   gdt_end - gdt - 1
    .long   gdt
ap_trampoline_end:

    .code64
    .text
ap64:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     ap_stack(%rip), %rsp
    mov     ap_context(%rip), %rdi
    movl    $1, ap_arrived(%rip)
    call    guest_secondary_main
    jmp     guest_cpu_off

    .section .rodata
    .balign 8
gdt:
    .quad   0
    .quad   0x00209a0000000000      /* 0x08: 64-bit code */
    .quad   0x0000920000000000      /* 0x10: data */
    .quad   0x00cf9a000000ffff      /* 0x18: 32-bit code (the trampoline) */
    .quad   0x00cf92000000ffff      /* 0x20: 32-bit data */
gdt_end:
gdt_desc:
    .word   gdt_end - gdt - 1
    .long   gdt

    .bss
    .balign 4096
pml4:
    .space  4096
pdpt:
    .space  4096
pd:
    .space  4 * 4096
    .balign 16
    .space  STACK_SIZE
stack_top:
    .global guest_multiboot_magic
guest_multiboot_magic:
    .long   0
