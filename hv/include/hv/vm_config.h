/* VM configuration: the axvisor TOML schema decoded into a plain struct, and its validation.
 * Pure logic (no hardware access): compiled into the hypervisor and into host unit tests. */
#ifndef HV_VM_CONFIG_H
#define HV_VM_CONFIG_H

#include <arch/vm_config_arch.h>

/* Whether the console's emu_devices entry names I/O ports (an arch with a port space) rather than
 * guest-physical addresses: set by <arch/vm_config_arch.h>, else guest-physical. */
#ifndef VM_ARCH_CONSOLE_PORT_IO
#define VM_ARCH_CONSOLE_PORT_IO 0
#endif
#include <lib/addr.h>
#include <lib/diag.h>
#include <lib/toml.h>
#include <lib/types.h>

struct fdt;

#define VM_NAME_MAX 48
#define VM_PATH_MAX 128
#define VM_CMDLINE_MAX 512
#define VM_MAX_VCPUS 16
#define VM_MAX_REGIONS 16
#define VM_MAX_EMU_DEVICES 16
#define VM_MAX_PT_DEVICES 32
#define VM_MAX_PT_ADDRESSES 16
#define VM_MAX_EXCLUDED 16
#define VM_EMU_CFG_MAX 8
#define VM_MAX_SHMEM 8
#define VM_SHMEM_NAME_MAX 32

/* memory_regions flags bits (axvisor): R W X U. */
#define VM_MEM_READ 0x1u
#define VM_MEM_WRITE 0x2u
#define VM_MEM_EXEC 0x4u
#define VM_MEM_USER 0x8u
#define VM_MEM_DEVICE 0x10u /* axvisor: device memory */
#define VM_MEM_LAZY 0x20u   /* cvisor: MapAlloc region mapped into stage-2 page by page on first touch */
#define VM_MEM_KNOWN_FLAGS (VM_MEM_READ | VM_MEM_WRITE | VM_MEM_EXEC | VM_MEM_USER | VM_MEM_DEVICE | VM_MEM_LAZY)

/* Sizes and region addresses must be multiples of the stage-2 page size. */
#define VM_CONFIG_ALIGN 0x1000u

/* emu_devices emu_type codes every architecture shares (axvisor's numbering); those of the
 * architecture's own devices (its interrupt controllers) are in <arch/vm_config_arch.h>. */
#define VM_EMU_DUMMY 0x0u
#define VM_EMU_CONSOLE 0x2u
#define VM_EMU_IVC 0xAu
#define VM_EMU_VIRTIO_BLK 0xE1u
#define VM_EMU_VIRTIO_NET 0xE2u
#define VM_EMU_VIRTIO_CONSOLE 0xE3u
/* virtio-net: emu_devices cfg [network, mac]; networks 0..VM_NET_NETWORKS-1, each a switch. */
#define VM_NET_NETWORKS 8u
#define VM_NET_MAC_MAX 0xffffffffffffull

/* How an emu_type is set up: not at all (accepted with a warning), as the VM's console UART
 * (generic), or as part of the interrupt controller the arch creates (vm_arch_setup_devices). */
enum vm_emu_kind {
    VM_EMU_NOT_EMULATED,
    VM_EMU_KIND_CONSOLE,
    VM_EMU_KIND_IRQCHIP,
    VM_EMU_KIND_VIRTIO,
    VM_EMU_KIND_IVC, /* a window of guest addresses where IVC channels get mapped (docs/shmem.md) */
};
struct vm_emu_type {
    u32 code;
    const char *name;
    enum vm_emu_kind kind;
};
/* The architecture's device table (hv/arch/<arch>/vm_config_arch.c): its codes, and the names of
 * other architectures' codes it does not emulate (so a config meant for them reads clearly). */
extern const struct vm_emu_type vm_arch_emu_types[];
extern const size_t vm_arch_emu_type_count;
/* The interrupt lines an emulated device (virtio-mmio, a doorbell) may be given: those the
 * architecture's emulated interrupt controller has for devices (hv/arch/<arch>/vm_config_arch.c). */
struct vm_device_irqs {
    u32 first, last;
    const char *name; /* what they are, for messages, e.g. "a shared interrupt line" */
};
extern const struct vm_device_irqs vm_arch_device_irqs;

enum vm_map_type {
    VM_MAP_ALLOC = 0,     /* allocate host memory anywhere, map at gpa */
    VM_MAP_IDENTICAL = 1, /* host memory at the same address (gpa == hpa) */
    VM_MAP_RESERVED = 2,  /* map the given physical range as is (gpa == hpa), not allocated */
};

enum vm_image_location { VM_IMAGE_MEMORY, VM_IMAGE_FS };
enum vm_irq_mode { VM_IRQ_NONE, VM_IRQ_EMULATED, VM_IRQ_PASSTHROUGH }; /* "no_irq", "emu", "passthrough" */

struct vm_mem_region {
    gpa_t gpa;
    u64 size;
    u32 flags;
    enum vm_map_type map_type;
    int line; /* source line, for later diagnostics */
};

struct vm_image {
    bool present;           /* path given. dtb_load_addr alone: present false, has_load_addr true
                               (the hypervisor generates a DTB there) */
    char path[VM_PATH_MAX]; /* file name: a key of the embedded images, or a disk path */
    bool has_load_addr;
    gpa_t load_gpa;
    int line; /* line of the load address, or of the path when there is none */
};

struct vm_emu_device {
    char name[VM_NAME_MAX];
    gpa_t base;
    u64 length;
    u32 irq;
    u32 emu_type;
    u64 cfg[VM_EMU_CFG_MAX];
    size_t cfg_count;
    int line;
};

struct vm_passthrough_device {
    char name[VM_PATH_MAX]; /* a label, or a device-tree path ("/", "/pl011@9000000") when by_path */
    bool by_path;           /* the one-element form [["/path"]] */
    gpa_t base_gpa;
    hpa_t base_hpa;
    u64 length;
    u32 irq;
    int line;
};

/* [devices] shmem_regions entry (cvisor): a memory region shared by every VM that names it,
 * mapped here at gpa; irq (0: none) is raised in this VM when a peer rings the doorbell. */
struct vm_shmem_decl {
    char name[VM_SHMEM_NAME_MAX];
    gpa_t gpa;
    u64 size;
    u32 irq;
    int line;
};

struct vm_passthrough_address {
    gpa_t base; /* gpa == hpa */
    u64 length;
    int line;
};

struct vm_config {
    char file[VM_PATH_MAX]; /* where the config came from, for messages */

    /* [base] */
    u64 id;
    char name[VM_NAME_MAX];
    u32 vm_type;
    u32 cpu_num;
    bool has_phys_cpu_ids;          /* given and non-empty */
    u64 phys_cpu_ids[VM_MAX_VCPUS]; /* hardware CPU ids (vm_arch_hwid_equal compares them) */
    size_t phys_cpu_id_count;
    bool has_phys_cpu_sets;          /* given and non-empty */
    u64 phys_cpu_sets[VM_MAX_VCPUS]; /* one pCPU-index bitmask per vCPU */
    size_t phys_cpu_set_count;
    int base_line;
    bool invalid_access_abort; /* cvisor: [base] invalid_access = "abort" (default "stop") */
    int id_line, cpu_num_line, phys_cpu_ids_line, phys_cpu_sets_line; /* for later diagnostics */

    /* [kernel] */
    gpa_t entry_point;
    enum vm_image_location image_location;
    struct vm_image kernel, bios, dtb, ramdisk;
    char cmdline[VM_CMDLINE_MAX];
    bool has_cmdline;
    char disk_path[VM_PATH_MAX]; /* the file behind the virtio-blk device (emu_type 0xE1), on the disk */
    int disk_path_line;
    struct vm_mem_region regions[VM_MAX_REGIONS];
    size_t region_count;
    int kernel_line;
    int entry_point_line;

    /* [devices] */
    struct vm_emu_device emu_devices[VM_MAX_EMU_DEVICES];
    size_t emu_device_count;
    struct vm_passthrough_device pt_devices[VM_MAX_PT_DEVICES];
    size_t pt_device_count;
    struct vm_passthrough_address pt_addresses[VM_MAX_PT_ADDRESSES];
    size_t pt_address_count;
    char excluded[VM_MAX_EXCLUDED][VM_PATH_MAX]; /* device-tree paths */
    size_t excluded_count;
    struct vm_shmem_decl shmem[VM_MAX_SHMEM];
    size_t shmem_count;
    enum vm_irq_mode irq_mode;
    int irq_mode_line;
    int devices_line; /* 0 when there is no [devices] table */
};

/* What validation needs to know of the machine. */
struct vm_host_info {
    struct { hpa_t base; u64 size; } ram[8];
    size_t ram_count;
    struct { hpa_t base; u64 size; } reserved[8]; /* hypervisor image, DTB, ... */
    size_t reserved_count;
    /* Host RAM the host DTB reserves (/memreserve/, /reserved-memory): the only host RAM a
     * MapReserved region or a passthrough range may name. */
    struct { hpa_t base; u64 size; } fw_reserved[16];
    size_t fw_reserved_count;
    /* Device ranges the hypervisor drives (GIC frames, its console UART, its disk). */
    struct { hpa_t base; u64 size; char what[32]; } hv_devices[16];
    size_t hv_device_count;
    hpa_t console_base; /* the hypervisor's console UART (one page); 0: none */
    u64 ipa_limit;      /* guest-physical addresses stage 2 can map are below this; 0: unchecked */
    u64 cpu_hwid[64];  /* hardware CPU id (MPIDR on arm64), index = pCPU number */
    size_t cpu_count;
    /* Optional (zero/NULL: that check is skipped; vm_config_check_host): */
    struct vm_host_arch arch;        /* the arch's facts (<arch/vm_config_arch.h>) */
    const struct fdt *fdt;           /* the host device tree, for passthrough paths */
    /* Size of an image built into the hypervisor (image_location = "memory"); -1 when there
     * is none of that name. */
    int (*image_size)(void *ctx, const char *name, u64 *size);
    void *image_ctx;
};

/* Decodes a TOML document into *cfg (zeroed first). file is used only in messages.
 * Unknown keys and known-but-unsupported keys produce warnings naming them (so does each
 * emu_devices entry: nothing is emulated yet); type errors, missing required keys and
 * out-of-range values produce errors. Every key is examined, so all mistakes are reported at
 * once. Returns 0, or -1 if any error. diag may be NULL. */
int vm_config_from_toml(struct vm_config *cfg, const char *file, const struct toml_value *root,
                        struct diag *diag);

/* Parses TOML text (using arena for the document) then decodes it; syntax errors are reported
 * with their line and column. */
int vm_config_parse(struct vm_config *cfg, const char *file, const char *text, size_t len, void *arena,
                    size_t arena_size, struct diag *diag);

/* Checks one VM against the machine: region overlaps, regions outside host RAM (Identical /
 * Alloc sizes), identical regions over hypervisor memory, entry point and load addresses
 * inside the VM's memory, cpu_num limits, phys_cpu_ids / phys_cpu_sets naming real pCPUs and
 * agreeing with cpu_num, passthrough windows (non-empty, page aligned, not hypervisor memory),
 * device windows overlapping memory regions or each other. Every host range a config names
 * (MapReserved regions, passthrough ranges) may reach host RAM only where the host DTB reserves
 * it, never a device the hypervisor drives (but for the console UART's page alone, which
 * becomes an emulated PL011: a warning), and a MapReserved region without the DEVICE flag must
 * be such RAM. Meant for a config that decoded without errors, but safe on any. Returns 0 or -1. */
int vm_config_validate(const struct vm_config *cfg, const struct vm_host_info *host, struct diag *diag);

/* The checks against the host's architecture (vm_arch_config_check), device tree and built-in
 * images (whichever host gives), run by vm_config_validate. */
int vm_config_check_host(const struct vm_config *cfg, const struct vm_host_info *host, struct diag *diag);
int vm_config_check_pt_paths(const struct vm_config *cfg, const struct fdt *host_dt, struct diag *diag);

/* Checks that an image of `size` bytes loaded at load_gpa lies inside one memory region.
 * what: "kernel", "dtb", "ramdisk", "bios". Returns 0 or -1. */
int vm_config_check_image(const struct vm_config *cfg, const char *what, gpa_t load_gpa, u64 size,
                          struct diag *diag);

/* Cross-VM checks over a set: duplicate ids, host ranges claimed by two VMs (Identical /
 * Reserved regions, passthrough ranges), and shared regions of one name with different sizes. A config already marked invalid (ok[i] false) is
 * ignored; a config found in conflict with an earlier valid one gets ok[i] = false. */
void vm_config_check_set(const struct vm_config *const cfgs[], size_t n, bool ok[], struct diag *diag);

/* The arch's checks of a config against its vm_host_info.arch facts (hv/arch/<arch>/
 * vm_config_arch.c); 0 or -1 after reporting. */
int vm_arch_config_check(const struct vm_config *cfg, const struct vm_host_arch *host, struct diag *diag);
/* The arch's host facts as a host device tree gives them (tools/cvisor_check.c, which has no
 * hardware to ask; the hypervisor itself uses vm_arch_host_info). */
struct fdt;
void vm_arch_host_from_fdt(const struct fdt *host_dt, struct vm_host_arch *host);

/* An emu_devices emu_type code: the shared ones, then the arch's table; NULL when unknown. */
const struct vm_emu_type *vm_emu_type_find(u32 emu_type);
/* Human-readable name of an emu_devices emu_type code, or NULL when axvisor defines no such type. */
const char *vm_emu_type_name(u32 emu_type);
bool vm_emu_type_supported(u32 emu_type);

/* A passthrough_devices entry that an emulated device of the VM serves instead of the host's
 * (an architecture's hook, VM_ARCH_PT_SERVED: x86_64's local and I/O APIC pages); NULL: the
 * entry is passed through. The checks and the mapping skip such an entry. */
static inline const char *vm_config_pt_served(const struct vm_config *c, const struct vm_passthrough_device *p)
{
#ifdef VM_ARCH_PT_SERVED
    return p->by_path ? NULL : vm_arch_pt_served(c, p->base_gpa.val, p->base_hpa.val, p->length);
#else
    (void)c, (void)p;
    return NULL;
#endif
}

/* vCPU -> pCPU index placement: phys_cpu_sets wins, then phys_cpu_ids (matched against
 * host->cpu_hwid), else vCPU n on pCPU n. Returns a pCPU-index bitmask (never 0 for a valid config). */
u64 vm_config_vcpu_affinity(const struct vm_config *cfg, const struct vm_host_info *host, u32 vcpu);

#endif
