/* cvisor hypercall numbers (architecture independent). On aarch64 a guest calls HVC #0 with
 * x0 = 0xC6000000 | nr (SMCCC fast call, SMC64, vendor-specific hypervisor service), arguments
 * in x1..x5, and gets the result in x0. Negative results are errors. */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#define HC_NULL 0          /* returns 0; used to measure the round trip */
#define HC_CONSOLE_WRITE 1 /* (gpa buf, len): writes guest bytes to the console; returns bytes */
#define HC_CONSOLE_PUTC 2  /* (char) */
#define HC_VM_ID 3         /* returns the VM id from its config */
#define HC_VCPU_ID 4       /* returns the calling vCPU's index */
#define HC_SHUTDOWN 5      /* (code): stops the VM; it ends as "shutdown (code N)" */
#define HC_COUNT 6

#define HC_OK 0
#define HC_ENOSYS (-1)
#define HC_EINVAL (-2)
#define HC_EFAULT (-3)

#ifndef __ASSEMBLER__
struct vcpu;
long hypercall_dispatch(struct vcpu *vcpu, unsigned long nr, const unsigned long args[5]);
#endif

#endif
