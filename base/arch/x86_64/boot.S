/* Entry points of the x86_64 base.
 *
 * The boot CPU comes from a multiboot (v1) loader (QEMU's -kernel, GRUB) in 32-bit protected
 * mode, paging off, EAX = 0x2BADB002, EBX = the multiboot information. The header below gives
 * the load addresses itself (flag 16), so the loader takes the flat image (cvisor.bin) as it is:
 * no 32-bit ELF is needed. The 32-bit code checks for long mode, identity-maps the first 4 GiB
 * with 2 MiB pages (boot tables; mm_init replaces them), enters long mode and calls
 * x86_primary_main(magic, info).
 *
 * The other CPUs start in real mode at the trampoline (copied below 1 MiB by smp.c), which takes
 * them through protected mode into long mode on the base's own page tables and jumps to
 * secondary_entry with their logical CPU number and stack in the trampoline's parameters. */
#include <arch/asm_offsets.h>

#define MB_HEADER_MAGIC 0x1badb002
#define MB_FLAGS ((1 << 1) | (1 << 16)) /* memory map wanted; load addresses in the header */
#define MB_BOOT_MAGIC 0x2badb002
#define MSR_EFER 0xc0000080
#define MSR_GS_BASE 0xc0000101
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CR0_PE 1
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define COM1 0x3f8

    .section .text.head, "ax"
    .code32
    .global _head
_head:
    jmp     _start32

    .balign 4
multiboot_header:
    .long   MB_HEADER_MAGIC
    .long   MB_FLAGS
    .long   -(MB_HEADER_MAGIC + MB_FLAGS)
    .long   multiboot_header        /* header_addr */
    .long   __image_start           /* load_addr */
    .long   __load_end              /* load_end_addr: the end of the file's contents */
    .long   __bss_end               /* bss_end_addr: the loader zeroes up to here */
    .long   _start32                /* entry_addr */

_start32:
    cli
    cld
    mov     %eax, %ebp              /* multiboot magic */
    mov     %ebx, boot_mbi          /* (CPUID clobbers EBX) */
    /* Long mode (CPUID 0x80000001 EDX bit 29), else say so on COM1 and stop. */
    mov     $0x80000000, %eax
    cpuid
    cmp     $0x80000001, %eax
    jb      no_long_mode
    mov     $0x80000001, %eax
    cpuid
    bt      $29, %edx
    jnc     no_long_mode
    xor     %edi, %edi
    bt      $20, %edx               /* NX */
    jnc     1f
    mov     $EFER_NXE, %edi
1:  mov     %edi, boot_efer_bits
    /* Zero BSS (the loader does too; not every loader is asked to). EBP survives. */
    mov     $__bss_start, %edi
    mov     $__bss_end, %ecx
    sub     %edi, %ecx
    xor     %eax, %eax
    rep stosb
    /* Boot tables: PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages. */
    mov     $boot_pdpt, %eax
    or      $3, %eax
    mov     %eax, boot_pml4
    mov     $boot_pd, %eax
    or      $3, %eax
    mov     $boot_pdpt, %edx
    mov     $4, %ecx
2:  mov     %eax, (%edx)
    add     $4096, %eax
    add     $8, %edx
    loop    2b
    mov     $boot_pd, %edx
    mov     $0x83, %eax             /* present, writable, 2 MiB page */
    mov     $2048, %ecx
3:  mov     %eax, (%edx)
    add     $0x200000, %eax
    add     $8, %edx
    loop    3b
    /* PAE, the tables, EFER.LME (and NXE), paging: long mode (compatibility submode). */
    mov     %cr4, %eax
    or      $CR4_PAE, %eax
    mov     %eax, %cr4
    mov     $boot_pml4, %eax
    mov     %eax, %cr3
    mov     $MSR_EFER, %ecx
    rdmsr
    or      $EFER_LME, %eax
    or      boot_efer_bits, %eax
    wrmsr
    mov     %cr0, %eax
    or      $(CR0_PG | CR0_PE | CR0_WP), %eax
    mov     %eax, %cr0
    lgdt    boot_gdt_desc
    ljmp    $GDT_CODE64, $start64

no_long_mode:
    mov     $no_lm_msg, %esi
1:  lodsb
    test    %al, %al
    jz      2f
    mov     $COM1, %dx
    out     %al, %dx
    jmp     1b
2:  cli
    hlt
    jmp     2b

    .code64
start64:
    mov     $GDT_DATA, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    xor     %eax, %eax
    mov     %ax, %fs
    mov     %ax, %gs
    xor     %edi, %edi
    call    set_cpu_local           /* GS base; keeps EBP */
    lea     cpu_stacks + CPU_STACK_SIZE_ASM(%rip), %rsp
    mov     %ebp, %edi              /* magic */
    mov     boot_mbi(%rip), %esi    /* multiboot information (below 4 GiB) */
    call    x86_primary_main
    jmp     park

/* From the trampoline, in long mode on the base's tables: logical CPU and stack in its
 * parameters. */
    .text
    .global secondary_entry
secondary_entry:
    mov     $GDT_DATA, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     (TRAMPOLINE_PA + TRAMPOLINE_PARAMS + TP_CPU), %ebx
    mov     (TRAMPOLINE_PA + TRAMPOLINE_PARAMS + TP_STACK), %rsp
    mov     %ebx, %edi
    call    set_cpu_local
    mov     %ebx, %edi
    call    x86_secondary_main
park:
    cli
    hlt
    jmp     park

/* edi = cpu: x86_cpu_local[cpu].percpu = &percpu_data[cpu]; GS base = &x86_cpu_local[cpu].
 * Clobbers rax, rcx, rdx, rsi. */
set_cpu_local:
    mov     %edi, %eax
    imul    $X86_CPU_LOCAL_SIZE, %rax, %rsi
    lea     x86_cpu_local(%rip), %rcx
    add     %rcx, %rsi
    mov     %edi, %eax
    imul    $PERCPU_SIZE, %rax, %rax
    lea     percpu_data(%rip), %rcx
    add     %rcx, %rax
    mov     %rax, (%rsi)
    mov     %esi, %eax
    mov     %rsi, %rdx
    shr     $32, %rdx
    mov     $MSR_GS_BASE, %ecx
    wrmsr
    ret

/* ---- the real-mode trampoline: position-dependent code for TRAMPOLINE_PA ---- */
#define TRAMP(sym) (TRAMPOLINE_PA + (sym - trampoline_start))
#define PARAM(off) (TRAMPOLINE_PA + TRAMPOLINE_PARAMS + (off))
    .section .rodata
    .balign 16
    .global trampoline_start, trampoline_end
trampoline_start:
    .code16
    cli
    cld
    mov     %cs, %ax
    mov     %ax, %ds
    lgdtl   (tramp_gdt_desc - trampoline_start)
    mov     %cr0, %eax
    or      $CR0_PE, %eax
    mov     %eax, %cr0
    ljmpl   $GDT_CODE32, $TRAMP(tramp32)
    .code32
tramp32:
    mov     $GDT_DATA, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %cr4, %eax
    or      $CR4_PAE, %eax
    mov     %eax, %cr4
    mov     PARAM(TP_CR3), %eax
    mov     %eax, %cr3
    mov     $MSR_EFER, %ecx
    rdmsr
    or      $EFER_LME, %eax
    or      PARAM(TP_EFER), %eax
    wrmsr
    mov     %cr0, %eax
    or      $(CR0_PG | CR0_WP), %eax
    mov     %eax, %cr0
    ljmp    $GDT_CODE64, $TRAMP(tramp64)
    .code64
tramp64:
    mov     PARAM(TP_ENTRY), %rax
    jmp     *%rax
    .balign 8
tramp_gdt:
    .quad   0
    .quad   0x00af9a000000ffff      /* 0x08: 64-bit code */
    .quad   0x00cf92000000ffff      /* 0x10: data */
    .quad   0x00cf9a000000ffff      /* 0x18: 32-bit code */
tramp_gdt_desc:
    .word   4 * 8 - 1
    .long   TRAMP(tramp_gdt)
trampoline_end:

/* ---- boot GDT (same selectors), messages ---- */
    .balign 8
boot_gdt:
    .quad   0
    .quad   0x00af9a000000ffff
    .quad   0x00cf92000000ffff
    .quad   0x00cf9a000000ffff
boot_gdt_desc:
    .word   4 * 8 - 1
    .long   boot_gdt
no_lm_msg:
    .asciz  "cvisor: this CPU has no long mode (x86-64); stopping\r\n"

    .data
    .balign 4
    .global boot_efer_bits
boot_efer_bits:
    .long   0
boot_mbi:
    .long   0

    .section .bss
    .balign 4096
boot_pml4:
    .space  4096
boot_pdpt:
    .space  4096
boot_pd:
    .space  4 * 4096
