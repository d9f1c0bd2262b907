/* A VM's emulated console UART (a PL011) and the routing of hypervisor console input to it. */
#ifndef HV_VCONSOLE_H
#define HV_VCONSOLE_H

#include <arch/spinlock.h>
#include <hv/vdev.h>
#include <hv/vpl011.h>

struct vm;

struct vconsole {
    struct vdev dev;
    struct vpl011 uart;
    spinlock_t lock; /* MMIO from any vCPU and console input from the input CPU */
    struct vm *vm;
    u32 intid;
    /* Console input waiting for room in the UART's FIFO: a pasted line is longer than the
     * 32-byte FIFO, and the physical UART is drained at once. */
    char pending[1024];
    u32 pending_head, pending_tail;
    /* Output while the VM does not have the console's focus (hv/core/shell.c). */
    char out[65536];
    u32 out_head, out_tail;
};

int vconsole_create(struct vm *vm, gpa_t base, u32 intid);
/* Starts forwarding the physical console's input to the VM that has the input focus. */
void vconsole_input_init(void);
/* The VM is going away: console input no longer reaches it (returns once input already on its
 * way has arrived). Its console device stays until the VM's devices are destroyed. */
void vconsole_detach(struct vm *vm);
/* Queues one input byte for the VM's UART. */
void vconsole_input(struct vconsole *vc, char c);

#endif
