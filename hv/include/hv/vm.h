/* A virtual machine: its config, guest-physical memory, stage-2 tables, devices and vCPUs. */
#ifndef HV_VM_H
#define HV_VM_H

#include <arch/spinlock.h>
#include <arch/vm_arch.h>
#include <hv/vcpu.h>
#include <hv/vdev.h>
#include <hv/vm_config.h>
#include <lib/addr.h>
#include <lib/diag.h>
#include <lib/tty_filter.h>
#include <lib/types.h>

#define VM_MAX 16
#define VM_MAX_PT_NODES 64
#define VM_MAX_IVC 8 /* IVC channels a VM holds at once */

enum vm_state {
    VM_CREATED, /* memory and images in place, vCPUs not started */
    VM_RUNNING,
    VM_ENDING,  /* an end was requested; vCPUs are being stopped */
    VM_ENDED,
};

enum vm_end_reason { VM_END_NONE, VM_END_SHUTDOWN, VM_END_RESET, VM_END_FAULT };

/* One contiguous host range backing (part of) guest-physical memory. */
struct vm_mem {
    gpa_t gpa;
    hpa_t hpa;
    u64 size;
    bool owned;    /* allocated or reserved by cvisor: freed with the VM */
    bool scrub;    /* MapReserved RAM: not freed, but zeroed when the VM lets go of it */
    bool is_ram;   /* guest RAM (as opposed to a passed-through device range) */
    bool ondemand; /* owned: zeroed and mapped chunk by chunk as needed (vm_mem.c) */
    u32 s2flags;   /* stage-2 permissions, for mapping on demand */
    u32 chunk;     /* ondemand: bytes per chunk (2 MiB or 4 KiB) */
    u32 zeroed_at; /* LAZY: populated[zeroed_at] on has a bit per page known zero at creation; else 0 */
    u64 *populated; /* ondemand: one bit per chunk, set once it is zeroed and mapped */
};

#define VM_MAX_MEMS (VM_MAX_REGIONS + VM_MAX_PT_DEVICES + VM_MAX_PT_ADDRESSES + VM_MAX_SHMEM)

struct shmem_region;

struct vm {
    u32 index;              /* slot in the VM table */
    u64 id;                 /* from the config */
    char name[VM_NAME_MAX];
    struct vm_config *config;
    enum vm_state state;
    volatile bool paused;   /* shell: vCPUs not scheduled */
    bool stopped_by_shell;  /* ended by `vm stop`: cvisor stays up even if it was the last */
    enum vm_end_reason end_reason;
    char end_detail[128];
    spinlock_t lock;

    struct vm_mem mems[VM_MAX_MEMS];
    size_t mem_count;
    u64 ram_bytes;
    struct vm_arch arch;    /* stage-2 tables, interrupt controller: the arch's (arch/vm_arch.h) */
    struct vdev *devices;   /* emulated MMIO devices */
    struct vdev *pio_devices; /* ... and port I/O ones (vdev.space) */
    struct vconsole *console; /* emulated console UART, if any */
    struct console_port *hvc; /* virtio console (hvc0), if any */
    struct vnet *net;       /* virtio-net device (a switch port), if any; under its lock */
    u64 ramdisk_size;       /* bytes loaded at ramdisk_load_addr */
    u64 kernel_size;        /* bytes loaded at kernel_load_addr */

    struct vcpu *vcpus[VM_MAX_VCPUS];
    u32 vcpu_count;
    u32 vcpus_active;       /* vCPUs not yet stopped after VM_RUNNING */

    char con_line[160];     /* hypercall console: one line at a time so VMs don't interleave */
    size_t con_len;
    struct tty_filter con_filter; /* ... and printable text only (lib/tty_filter.h) */
    u64 exits;              /* of its vCPUs gone so far (vm_exit_count adds the present ones') */
    u32 restarts;
    u64 lazy_faults;        /* stage-2 faults that brought in a chunk of RAM */
    u64 demand_lo, demand_hi; /* bounds of the on-demand regions: MMIO exits skip them cheaply */
    spinlock_t mm_lock;     /* on-demand RAM and stage-2 changes while vCPUs run */
    bool mem_revoked;       /* vm_mem_revoke: nothing enters stage 2 any more */
    struct shmem_region *shmem[VM_MAX_SHMEM]; /* its shared regions, as its config lists them */
    u32 shmem_count;
    struct vm_ivc_map {      /* IVC channels it published or subscribed to (hv/core/ivc.c) */
        struct shmem_region *region;
        gpa_t gpa;
        u64 size, publisher, key;
        bool published;
    } ivc[VM_MAX_IVC];
    u32 ivc_count;
    int pt_nodes[VM_MAX_PT_NODES]; /* host DTB nodes passed through by path (for the guest DTB) */
    u32 pt_node_count;
    /* LAZY RAM zeroed ahead of the guest (vm_mem.c), under mm_lock; last in the struct, so that
     * the fields the exit paths read keep their offsets: */
    bool prezero_pending; /* some LAZY page may be neither mapped nor known zero */
    u32 prezero_mem;      /* where the idle pCPUs look next: mems[prezero_mem], */
    u64 prezero_page;     /* ... from this page on */
    u64 lazy_zeroed_on_fault; /* LAZY pages a fault had to zero itself (not reached ahead) */
};

extern struct vm *vm_table[VM_MAX];

/* Creates a VM from a validated config: memory, stage-2, images, devices, vCPUs.
 * On failure reports through diag (naming the VM) and returns NULL having freed everything. */
struct vm *vm_create(struct vm_config *cfg, const struct vm_host_info *host, struct diag *diag);
void vm_release(struct vm *vm);
int vm_restart(struct vm *vm, const struct vm_host_info *host, struct diag *diag);
int vm_setup_devices(struct vm *vm, struct diag *diag);
/* Passthrough devices and addresses (after vm_setup_devices: interrupts go to the vGIC). */
int vm_setup_passthrough(struct vm *vm, struct diag *diag);
int vm_setup_dtb(struct vm *vm, struct diag *diag);
void vm_console_flush(struct vm *vm);
void vm_destroy(struct vm *vm);
void vm_start(struct vm *vm);

/* Ends the VM (from any CPU): its vCPUs stop at their next exit or kick. */
void vm_request_end(struct vm *vm, enum vm_end_reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Host pointer to guest-physical [addr, addr+len) when it lies in one RAM range; else NULL.
 * Every page of it is present (zeroed if the VM never had it): the hypervisor reads and writes
 * guest memory only through this (hv/core/vm_mem.c). */
void *vm_gpa_to_hva(struct vm *vm, gpa_t addr, u64 len);
/* The same, for a range the caller overwrites whole (an image): only the rest is zeroed. */
void *vm_ram_for_write(struct vm *vm, gpa_t addr, u64 len);
/* Whether [addr, addr+len) lies in one RAM range (nothing is brought in). */
bool vm_gpa_in_ram(struct vm *vm, gpa_t addr, u64 len);
/* An owned region's memory is handed out on demand (lazy: page by page, never in advance). */
int vm_mem_ondemand_init(struct vm *vm, struct vm_mem *m, bool lazy);
/* Zeroes (and cleans to the point of coherency) the next LAZY page of vm that is neither mapped
 * nor known zero, so that the guest's first touch of it only maps it: the work of an idle pCPU
 * (sched.c), and of the boot before the VMs start. False when none is left. */
bool vm_mem_prezero_step(struct vm *vm);
/* Takes every mapping away at once (passthrough VMs, when they end). */
void vm_mem_revoke(struct vm *vm);
/* Scrubs and frees the VM's memory, after its stage 2 is gone. */
void vm_mem_release(struct vm *vm);
/* Records a range of guest-physical space (not mapped here): the next of vm->mems. */
struct vm_mem *vm_mem_add(struct vm *vm, gpa_t gpa, hpa_t hpa, u64 size, bool owned, bool is_ram);
/* A passed-through device range, for lookups by guest address; -1 when vm->mems is full. */
int vm_add_mem(struct vm *vm, gpa_t gpa, hpa_t hpa, u64 size);
struct vcpu *vm_find_vcpu_by_hwid(struct vm *vm, u64 hwid);
/* A stage-2 translation fault at addr: brings in (zeroed) the chunk of on-demand RAM holding it.
 * Returns true when the access can simply be retried. */
bool vm_fault_in(struct vm *vm, gpa_t addr);
struct vdev *vm_find_vdev(struct vm *vm, gpa_t addr);
/* The port I/O device at port, or NULL. */
struct vdev *vm_find_pio_vdev(struct vm *vm, u32 port);
/* Adds an emulated device, in the address space dev->space says. */
void vm_add_vdev(struct vm *vm, struct vdev *dev);

void vm_console_put(struct vm *vm, char c);

/* The pCPUs hosting the VM's vCPUs (a bitmask), read under the VM's lock: safe while the VM
 * restarts itself on another pCPU. */
u64 vm_vcpu_pcpus(struct vm *vm);
/* Exits of the VM since it was created, every restart included. Counted per vCPU only (no
 * shared counter on the exit path), summed here under the VM's lock. */
u64 vm_exit_count(struct vm *vm);
/* A copy of up to max vCPUs' statistics, under the VM's lock; returns how many. */
struct vm_vcpu_stat {
    u32 pcpu;
    struct vcpu_stats stats;
};
u32 vm_vcpu_stats(struct vm *vm, struct vm_vcpu_stat *out, u32 max);
const char *vm_end_reason_name(enum vm_end_reason r);

#endif
