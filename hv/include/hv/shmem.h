/* Memory shared between VMs (docs/shmem.md): named regions, reference-counted, each member VM
 * mapping it at its own guest address, with a doorbell interrupt per member.
 *
 * The table (hv/core/shmem_table.c) is pure logic over an allocator given as callbacks, so the
 * host unit tests drive it; hv/core/shmem.c joins it to VMs, stage 2 and the interrupt path. */
#ifndef HV_SHMEM_H
#define HV_SHMEM_H

#include <arch/spinlock.h>
#include <hv/vm_config.h>
#include <lib/addr.h>
#include <lib/types.h>

#define SHMEM_MAX 16         /* regions alive at once, machine-wide (shmem_strerror says 16) */
#define SHMEM_MAX_MEMBERS 16 /* member slots per region: one per VM table slot */

struct shmem_member {
    void *owner;   /* the member VM; NULL for a free slot */
    u32 irq;       /* its doorbell interrupt, 0 for none */
    bool ringable; /* false once the VM starts coming apart: no doorbell reaches it */
};

#define SHMEM_NAME_MAX 48 /* a config's name (VM_SHMEM_NAME_MAX), or "<publisher id>:<key>" */

struct shmem_region {
    char name[SHMEM_NAME_MAX]; /* "" for a free table entry */
    bool ivc;                  /* an IVC channel (a namespace of its own), not a config's region */
    bool unlisted;             /* unpublished: its members keep it, nobody new finds it */
    hpa_t hpa;
    u64 size;
    u32 refs; /* member slots in use */
    struct shmem_member members[SHMEM_MAX_MEMBERS];
};

/* Host pages for a region: alloc returns them zeroed (0, or -1 when out of memory); free takes
 * them back (scrubbed by it). */
struct shmem_ops {
    int (*alloc)(u64 size, hpa_t *out);
    void (*free)(hpa_t base, u64 size);
};

struct shmem_table {
    struct shmem_region regions[SHMEM_MAX];
    const struct shmem_ops *ops;
};

enum shmem_err {
    SHMEM_OK = 0,
    SHMEM_ESIZE = -1,   /* the region exists with another size */
    SHMEM_ENOMEM = -2,  /* no host pages for a new region */
    SHMEM_EFULL = -3,   /* no free table entry */
    SHMEM_EMEMBER = -4, /* that slot is already a member / slot out of range / bad arguments */
};

/* Joins slot to the listed region `name` (of the config or IVC namespace), creating it (zeroed
 * pages) if it does not exist. *out is the region. Nothing changes on error. */
int shmem_attach(struct shmem_table *t, const char *name, bool ivc, u64 size, u32 slot, void *owner, u32 irq,
                 struct shmem_region **out);
/* The listed region `name` of that namespace, or NULL. */
struct shmem_region *shmem_lookup(struct shmem_table *t, const char *name, bool ivc);
/* Nobody new finds it (its members keep it until they detach). */
void shmem_unlist(struct shmem_region *r);
/* No doorbell reaches slot's owner any more (it keeps its reference). */
void shmem_quiesce(struct shmem_region *r, u32 slot);
/* Drops slot's reference; the last one frees the pages and the entry. Returns true when freed. */
bool shmem_detach(struct shmem_table *t, struct shmem_region *r, u32 slot);
/* The ringable members other than slot that have a doorbell interrupt: up to max of them into
 * owners/irqs; returns how many. */
u32 shmem_peers(const struct shmem_region *r, u32 slot, void **owners, u32 *irqs, u32 max);
const char *shmem_strerror(int err);

/* ---- the hypervisor's side (hv/core/shmem.c) ---- */
struct vm;
struct diag;
/* Maps every shmem_regions entry of the VM's config (after its memory regions). */
int vm_shmem_attach(struct vm *vm, struct diag *d);
/* At the start of the VM's teardown: no doorbell reaches it from now on. */
void vm_shmem_quiesce(struct vm *vm);
/* After its stage 2 is gone: drops its references (the last user frees a region). */
void vm_shmem_detach(struct vm *vm);
/* Hypercalls: ring the peers of the VM's region `index` (its position in shmem_regions);
 * the region's guest address and size. Negative HC_ errors. */
long vm_shmem_doorbell(struct vm *vm, u64 index);
/* axvisor's IVC calls (docs/shmem.md), over the VM's IVC window (emu_type 0xA), and the
 * doorbell of an IVC channel the VM is a member of. */
long vm_ivc_publish(struct vm *vm, u64 key, u64 base_ptr, u64 size_ptr);
long vm_ivc_subscribe(struct vm *vm, u64 publisher, u64 key, u64 base_ptr, u64 size_ptr);
long vm_ivc_unpublish(struct vm *vm, u64 key);
long vm_ivc_unsubscribe(struct vm *vm, u64 publisher, u64 key);
long vm_ivc_doorbell(struct vm *vm, u64 publisher, u64 key);
long vm_shmem_base(struct vm *vm, u64 index);
long vm_shmem_size(struct vm *vm, u64 index);
/* After its stage 2 is gone: drops the VM's IVC channels; those it published are unlisted. */
void vm_ivc_release(struct vm *vm);
/* The machine's table and the lock over it and every VM's shmem and IVC lists (shmem.c). */
struct shmem_table *shmem_table_get(void);
extern spinlock_t shmem_lock;
/* The shell's listing, one line per region through out. */
void shmem_list(void (*out)(const char *fmt, ...));

#endif
