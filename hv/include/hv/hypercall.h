/* cvisor hypercall numbers (architecture independent); the ABI is in docs/hypercalls.md.
 * On aarch64 a guest calls HVC #0 with x0 = 0xC6000000 | nr (SMCCC fast call, SMC64,
 * vendor-specific hypervisor service), arguments in x1..x5, and gets the result in x0.
 * Negative results are errors.
 *
 * Two ranges: 0x000-0x0FF are axvisor's codes (the same meaning as in axvisor's axhvc, so its
 * guests keep working), 0x100-0x1FF are cvisor's own. */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

/* axvisor's range. 0-2 (HypervisorDisable, PrepareDisable, Debug) are not offered: ENOSYS. */
#define HC_IVC_PUBLISH 0x3     /* (key, gpa of u64 base, gpa of u64 size) */
#define HC_IVC_SUBSCRIBE 0x4   /* (publisher vm id, key, gpa of u64 base, gpa of u64 size) */
#define HC_IVC_UNPUBLISH 0x5   /* (key) */
#define HC_IVC_UNSUBSCRIBE 0x6 /* (publisher vm id, key) */
#define HC_AXVISOR_LAST 0xFF

/* cvisor's range. */
#define HC_CVISOR_BASE 0x100
#define HC_NULL 0x100          /* returns 0; used to measure the round trip */
#define HC_CONSOLE_WRITE 0x101 /* (gpa buf, len): writes guest bytes to the console; returns bytes */
#define HC_CONSOLE_PUTC 0x102  /* (char) */
#define HC_VM_ID 0x103         /* returns the VM id from its config */
#define HC_VCPU_ID 0x104       /* returns the calling vCPU's index */
#define HC_SHUTDOWN 0x105      /* (code): stops the VM; it ends as "shutdown (code N)" */
/* Shared regions (docs/shmem.md); index = position in the caller's [devices] shmem_regions. */
#define HC_SHMEM_DOORBELL 0x110 /* (index): raises each peer's doorbell interrupt; returns how many */
#define HC_SHMEM_BASE 0x111     /* (index): the region's guest-physical address in the caller */
#define HC_SHMEM_SIZE 0x112     /* (index): its size in bytes */
#define HC_IVC_DOORBELL 0x113   /* (publisher vm id, key): rings the other members of that IVC channel */

#define HC_OK 0
#define HC_ENOSYS (-1)
#define HC_EINVAL (-2)
#define HC_EFAULT (-3)

#ifndef __ASSEMBLER__
struct vcpu;
long hypercall_dispatch(struct vcpu *vcpu, unsigned long nr, const unsigned long args[5]);
#endif

#endif
