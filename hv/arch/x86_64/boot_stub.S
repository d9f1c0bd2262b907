/* cvisor's own boot stub for the boot-stub form of x86 VM configs (the original's NimbOS config
 * names entry_point 0x8000 and a bios_path image there; without bios_path, this one): the boot
 * vCPU starts here in real mode at CS = entry >> 4, IP = 0 (vm_arch_boot_setup copies it to
 * entry_point and sets EAX = 0x2BADB002, EBX = the multiboot information, ESI = the kernel's
 * entry). It switches to flat 32-bit protected mode, as a multiboot loader leaves a kernel, and
 * jumps to ESI with EAX and EBX untouched. Position-independent: it patches its own GDT pointer
 * and far jump from CS, so it runs at any 4 KiB page below 1 MiB. Not code of the hypervisor:
 * bytes in .rodata that the guest runs. */
    .section .rodata
    .balign 16
    .global x86_boot_stub, x86_boot_stub_end
    .code16
x86_boot_stub:
    cli
    cld
    mov     %cs, %dx
    mov     %dx, %ds
    movzwl  %dx, %edi
    shl     $4, %edi                        /* the stub's linear address */
    lea     (stub_gdt - x86_boot_stub)(%edi), %edx
    mov     %edx, (stub_gdt_desc + 2 - x86_boot_stub)
    lea     (stub_pm32 - x86_boot_stub)(%edi), %edx
    mov     %edx, (stub_far - x86_boot_stub)
    lgdtl   (stub_gdt_desc - x86_boot_stub)
    mov     %cr0, %edx
    or      $1, %edx                        /* PE */
    mov     %edx, %cr0
    ljmpl   *(stub_far - x86_boot_stub)
    .code32
stub_pm32:
    mov     $0x10, %dx
    mov     %dx, %ds
    mov     %dx, %es
    mov     %dx, %fs
    mov     %dx, %gs
    mov     %dx, %ss
    jmp     *%esi
    .balign 8
stub_gdt:
    .quad   0
    .quad   0x00cf9a000000ffff              /* 0x08: 32-bit code, base 0, 4 GiB */
    .quad   0x00cf92000000ffff              /* 0x10: 32-bit data, base 0, 4 GiB */
stub_gdt_desc:
    .word   stub_gdt_desc - stub_gdt - 1
    .long   0                               /* the GDT's linear address: patched */
stub_far:
    .long   0                               /* stub_pm32's linear address: patched */
    .word   0x08
x86_boot_stub_end:
    .code64
