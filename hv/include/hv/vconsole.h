/* A VM's emulated console UART (the arch's model, <hv/vuart.h>) and the routing of hypervisor console input to it. */
#ifndef HV_VCONSOLE_H
#define HV_VCONSOLE_H

#include <arch/spinlock.h>
#include <hv/vdev.h>
#include <hv/vuart.h>

struct vm;

/* One console of a VM that the input focus can move to (hv/core/shell.c): its console UART, or
 * its virtio console (hvc0). */
struct console_port {
    struct vm *vm;
    const char *label; /* NULL for the UART; "hvc0" is shown in the focus banner */
    void (*input)(struct console_port *p, char c);
    /* Output while the port does not have the console's focus. */
    char out[65536];
    u32 out_head, out_tail;
};

#define VM_CONSOLE_PORTS 2
/* Port i of the VM (0: the UART, 1: the virtio console), or NULL. */
struct console_port *vm_console_port(struct vm *vm, u32 i);

struct vconsole {
    struct console_port port;
    struct vdev dev;
    const struct vuart_model *model;
    void *uart; /* the model's state, right after this struct */
    spinlock_t lock; /* MMIO from any vCPU and console input from the input CPU */
    struct vm *vm;
    u32 intid;
    /* Console input waiting for room in the UART's FIFO: a pasted line is longer than the
     * 32-byte FIFO, and the physical UART is drained at once. */
    char pending[1024];
    u32 pending_head, pending_tail;
};

int vconsole_create(struct vm *vm, gpa_t base, u32 intid);
/* Starts forwarding the physical console's input to the VM that has the input focus. */
void vconsole_input_init(void);
/* The VM is going away: console input no longer reaches it (returns once input already on its
 * way has arrived). Its console devices stay until the VM's devices are destroyed. */
void vconsole_detach(struct vm *vm);
/* Console input for the VM's firmware console (riscv64's SBI getchar and DBCN read): up to n
 * bytes the console UART received and its guest has not read, oldest first. Returns how many. */
size_t vconsole_read(struct vm *vm, char *buf, size_t n);
/* Whether addr is in the window of console vc (a VM's `console`, maybe NULL; it stays
 * allocated as long as the VM's vCPUs run, and is NULL once detached): the test an exit path
 * makes before vconsole_fast_mmio. */
static inline bool vconsole_mmio_at(const struct vconsole *vc, gpa_t addr)
{
    return vc && vc->dev.space == VDEV_SPACE_MMIO && addr.val - vc->dev.base.val < vc->dev.size;
}
/* The console UART's accesses that the exit vector serves without the run loop (aarch64's
 * vcpu_arch_fast_abort), at addr in vc's window (vconsole_mmio_at): the model's fast_read and
 * fast_write (<hv/vuart.h>), which take only accesses that change no interrupt line, so the
 * full path's interrupt resync is not needed. *val: the value written, or read. False: not
 * served (an access the full path must take); nothing changed. Called on the VM's own vCPU. */
bool vconsole_fast_mmio(struct vconsole *vc, gpa_t addr, u8 width, bool write, u64 *val);
/* A console port goes away (its device is destroyed): input no longer reaches it. */
void vconsole_port_gone(struct vm *vm, struct console_port *p);

#endif
