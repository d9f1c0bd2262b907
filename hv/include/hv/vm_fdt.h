/* The device tree a guest boots with: generated from the VM's configuration, or a user-supplied
 * one patched to match it. Pure logic over lib/fdt (no allocation, no hardware access):
 * compiled into the hypervisor and into host unit tests. See docs/guest-dtb.md. */
#ifndef HV_VM_FDT_H
#define HV_VM_FDT_H

#include <hv/vm_config.h>
#include <lib/types.h>

enum vm_fdt_gic { VM_FDT_GIC_NONE, VM_FDT_GICV2, VM_FDT_GICV3 };

/* Fixed values of the generated tree. */
#define VM_FDT_PHANDLE_GIC 1u
#define VM_FDT_PHANDLE_CLK 2u
#define VM_FDT_GICD_SIZE_V2 0x1000u    /* default distributor size, GICv2 */
#define VM_FDT_GICC_SIZE_V2 0x2000u    /* default CPU interface size, GICv2 */
#define VM_FDT_GICD_SIZE_V3 0x10000u   /* default distributor size, GICv3 */
#define VM_FDT_GICR_STRIDE_V3 0x20000u /* one redistributor (RD_base + SGI_base frames), GICv3 */
#define VM_FDT_UART_SIZE 0x1000u
#define VM_FDT_UART_CLOCK_HZ 24000000u
#define VM_FDT_MAX_VIRTIO 8u

struct vm_fdt_params {
    struct {
        u64 base, size;
    } mem[VM_MAX_REGIONS];      /* guest RAM: non-empty, non-overlapping ranges */
    size_t mem_count;           /* 1..VM_MAX_REGIONS */
    u32 cpu_count;              /* 1..VM_MAX_VCPUS (GICv2: at most 8) */
    u64 cpu_hwid[VM_MAX_VCPUS]; /* vCPU n's MPIDR affinity (Aff3 in bits 39:32); distinct.
                                   Bits outside VM_MPIDR_AFF_MASK are ignored. */
    enum vm_fdt_gic gic;        /* generate: V2 or V3 (NONE is refused); patch: ignored */
    u64 gicd_base, gicd_size;   /* distributor; size 0 = the default above */
    u64 gicr_base, gicr_size;   /* GICv3 redistributor region (all vCPUs); size 0 = stride * cpu_count */
    u64 gicc_base, gicc_size;   /* GICv2 CPU interface; size 0 = the default above */
    bool has_uart;              /* generate only */
    u64 uart_base;
    u32 uart_irq;         /* GIC INTID, an SPI (32..1019); the tree gets INTID - 32 */
    struct {
        u64 base, size;
        u32 irq; /* GIC INTID, an SPI */
    } virtio[VM_FDT_MAX_VIRTIO]; /* generate only: virtio-mmio transports ("virtio,mmio") */
    size_t virtio_count;
    const char *bootargs; /* NULL or "" = none (patch: the source's bootargs stay) */
    bool has_initrd;      /* initrd_start < initrd_end required */
    u64 initrd_start, initrd_end;
    /* generate only: host device nodes passed through by path, copied in as root children
     * (nodes that are not root children of a 2/2-cell host tree are left out, since their reg
     * would need the parents' translation). interrupt-parent becomes the guest GIC; clock
     * nodes they reference are copied too, or mapped onto the generated apb-pclk. */
    const struct fdt *host;
    const int *host_nodes;
    size_t host_node_count;
};

/* Of the host nodes, how many vm_fdt_generate copies (the others cannot be described). */
size_t vm_fdt_host_nodes_copyable(const struct vm_fdt_params *p);

/* Writes a complete DTB for a Linux (arm64) guest into buf. Returns its size, or -1 when it does
 * not fit or the params are bad. */
int vm_fdt_generate(const struct vm_fdt_params *p, void *buf, size_t cap);

/* Copies the user's DTB src (untrusted: validated with fdt_open against src_size) into buf,
 * replacing what the VM's config decides:
 *  - every memory node (device_type "memory", or a root child named memory / memory@...) is
 *    dropped; the params' memory is written as root children with the root's cell counts;
 *  - /cpus: one cpu node per vCPU, in vCPU order, enable-method "psci". A source cpu node whose
 *    reg equals a vCPU's MPIDR lends it its properties (phandle included) and children, with
 *    reg / enable-method / cpu-release-addr / status regenerated; other source cpu nodes are
 *    dropped, and so is /cpus/cpu-map when it references any cpu that is not kept. Other /cpus
 *    children (idle-states, caches) are copied;
 *  - /psci: compatible "arm,psci-1.0", "arm,psci-0.2" and method "hvc" (other properties kept);
 *  - /chosen: bootargs replaced when p->bootargs is non-empty; linux,initrd-start/-end removed
 *    and, when has_initrd, written anew; other properties kept.
 * Missing /cpus, /psci, /chosen are created. Everything else, including the memory reservation
 * block, is copied as is. buf must not overlap src. Returns the size, or -1 for a malformed
 * source, bad params, or when the result does not fit. */
int vm_fdt_patch(const void *src, size_t src_size, const struct vm_fdt_params *p, void *buf, size_t cap);

#endif
