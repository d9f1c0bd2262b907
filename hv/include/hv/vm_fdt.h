/* The device tree a guest boots with: generated from the VM's configuration, or a user-supplied
 * one patched to match it. Pure logic over lib/fdt (no allocation, no hardware access):
 * compiled into the hypervisor and into host unit tests. See docs/guest-dtb.md. */
#ifndef HV_VM_FDT_H
#define HV_VM_FDT_H

#include <arch/vm_fdt_arch.h>
#include <hv/vm_config.h>
#include <lib/types.h>

/* Fixed values of the generated tree. */
#define VM_FDT_PHANDLE_INTC 1u /* the interrupt controller (the arch's node) */
#define VM_FDT_PHANDLE_CLK 2u  /* the console UART's clock */
#define VM_FDT_UART_SIZE 0x1000u
#define VM_FDT_UART_CLOCK_HZ 24000000u
#define VM_FDT_MAX_VIRTIO 8u
#define VM_FDT_RNG_SEED_MAX 64u /* bytes of /chosen rng-seed the params carry */

struct vm_fdt_params {
    struct {
        u64 base, size;
    } mem[VM_MAX_REGIONS];      /* guest RAM: non-empty, non-overlapping ranges */
    size_t mem_count;           /* 1..VM_MAX_REGIONS */
    u32 cpu_count;              /* 1..VM_MAX_VCPUS (the arch may allow fewer) */
    u64 cpu_hwid[VM_MAX_VCPUS]; /* vCPU n's hardware id as the guest sees it; distinct (on
                                   arm64 the MPIDR affinity: bits outside it are ignored) */
    struct vm_fdt_arch_params arch; /* the interrupt controller (arch/vm_fdt_arch.h) */
    bool has_uart;              /* generate only */
    u64 uart_base;
    u32 uart_irq;         /* the virtual interrupt (<hv/virq.h> numbering) of the UART */
    struct {
        u64 base, size;
        u32 irq; /* its virtual interrupt (<hv/virq.h> numbering) */
    } virtio[VM_FDT_MAX_VIRTIO]; /* generate only: virtio-mmio transports ("virtio,mmio") */
    size_t virtio_count;
    struct {
        u64 base, size;
        u32 irq;          /* doorbell interrupt (<hv/virq.h> numbering), 0 for none */
        const char *name; /* the region's name in the configs */
    } shmem[VM_MAX_SHMEM]; /* generate only: shared regions ("cvisor,shmem", docs/shmem.md) */
    size_t shmem_count;
    const char *bootargs; /* NULL or "" = none (patch: the source's bootargs stay) */
    /* /chosen rng-seed (0 bytes: none; patch: the source's then stays, else ours replaces it) */
    u8 rng_seed[VM_FDT_RNG_SEED_MAX];
    size_t rng_seed_len;
    bool has_initrd;      /* initrd_start < initrd_end required */
    u64 initrd_start, initrd_end;
    /* generate only: host device nodes passed through by path, copied in as root children
     * (nodes that are not root children of a 2/2-cell host tree are left out, since their reg
     * would need the parents' translation). interrupt-parent becomes the guest's controller; clock
     * nodes they reference are copied too, or mapped onto the generated apb-pclk. */
    const struct fdt *host;
    const int *host_nodes;
    size_t host_node_count;
};

/* Of the host nodes, how many vm_fdt_generate copies (the others cannot be described). */
size_t vm_fdt_host_nodes_copyable(const struct vm_fdt_params *p);

/* Writes a complete DTB for a Linux guest into buf (the arch's nodes by its vm_fdt_arch_*
 * hooks). Returns its size, or -1 when it does not fit or the params are bad. */
int vm_fdt_generate(const struct vm_fdt_params *p, void *buf, size_t cap);

/* Copies the user's DTB src (untrusted: validated with fdt_open against src_size) into buf,
 * replacing what the VM's config decides:
 *  - every memory node (device_type "memory", or a root child named memory / memory@...) is
 *    dropped; the params' memory is written as root children with the root's cell counts;
 *  - the arch's nodes (vm_fdt_arch_patch_*): on arm64, /cpus gets one cpu node per vCPU, in
 *    vCPU order, enable-method "psci" (a source cpu node whose reg equals a vCPU's MPIDR lends
 *    it its properties, phandle included, and children; other source cpu nodes are dropped, and
 *    so is /cpus/cpu-map when it references any cpu that is not kept; other /cpus children are
 *    copied), and the PSCI node gets the hypervisor's compatible and method "hvc";
 *  - /chosen: bootargs replaced when p->bootargs is non-empty; linux,initrd-start/-end removed
 *    and, when has_initrd, written anew; other properties kept.
 * Missing /chosen (and the arch's nodes) are created. Everything else, including the memory reservation
 * block, is copied as is. buf must not overlap src. Returns the size, or -1 for a malformed
 * source, bad params, or when the result does not fit. */
int vm_fdt_patch(const void *src, size_t src_size, const struct vm_fdt_params *p, void *buf, size_t cap);

#endif
