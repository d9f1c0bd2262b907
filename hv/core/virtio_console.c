/* virtio-console (virtio 1.2 §5.3), one port, no features: the VM's hvc0, a second console
 * joined to the console focus (Ctrl-]) beside its UART. Queue 0 (receiveq) carries console input
 * to the guest, queue 1 (transmitq) its output. */
#include <base/mm.h>
#include <hv/console_upcalls.h>
#include <hv/vconsole.h>
#include <hv/virtio_dev.h>
#include <hv/vm.h>

#define RXQ 0
#define TXQ 1

struct vcons {
    struct virtio_vdev v;       /* first: the device's destroy hook gets it */
    struct console_port port;
    char pending[1024];         /* input waiting for receive buffers */
    u32 pending_head, pending_tail;
    struct virtq_chain chain;   /* the chain being handled (too big for the stack) */
};

/* Moves waiting input into the guest's receive buffers; *v.lock held. */
static void fill_rx(struct vcons *c)
{
    struct virtio_mmio *t = &c->v.t;
    bool pushed = false;
    while (c->pending_head != c->pending_tail && virtio_mmio_live(t)) {
        int r = virtq_pop(&t->q[RXQ], &t->host.mem, &c->chain);
        if (r == VIRTQ_EMPTY)
            break;
        if (r < 0) {
            virtio_mmio_fail(t, RXQ, r);
            return;
        }
        u32 written = 0;
        for (u32 s = 0; s < c->chain.nseg; s++) {
            struct virtq_seg *g = &c->chain.seg[s];
            if (!g->write)
                continue; /* receive buffers are device-writable; anything else is skipped */
            u8 *dst = g->hva;
            for (u32 k = 0; k < g->len && c->pending_head != c->pending_tail; k++, written++)
                dst[k] = (u8)c->pending[c->pending_head++ % sizeof(c->pending)];
        }
        virtq_push(&t->q[RXQ], &t->host.mem, c->chain.head, written);
        pushed = true;
    }
    if (pushed)
        virtio_mmio_used(t, RXQ);
}

static void drain_tx(struct vcons *c)
{
    struct virtio_mmio *t = &c->v.t;
    bool pushed = false;
    for (;;) {
        int r = virtq_pop(&t->q[TXQ], &t->host.mem, &c->chain);
        if (r == VIRTQ_EMPTY)
            break;
        if (r < 0) {
            virtio_mmio_fail(t, TXQ, r);
            return;
        }
        for (u32 s = 0; s < c->chain.nseg; s++) {
            struct virtq_seg *g = &c->chain.seg[s];
            const volatile u8 *src = g->hva;
            for (u32 k = 0; k < g->len && !g->write; k++)
                console_port_output(&c->port, (char)src[k]);
        }
        virtq_push(&t->q[TXQ], &t->host.mem, c->chain.head, 0);
        pushed = true;
    }
    if (pushed)
        virtio_mmio_used(t, TXQ);
}

static void vcons_notify(struct virtio_mmio *t, u16 q)
{
    struct vcons *c = t->dev;
    if (q == TXQ)
        drain_tx(c);
    else
        fill_rx(c); /* new receive buffers: input may be waiting */
}

static void vcons_input(struct console_port *p, char ch)
{
    struct vcons *c = (struct vcons *)((char *)p - __builtin_offsetof(struct vcons, port));
    spin_lock(c->v.lock);
    if (c->pending_tail - c->pending_head < sizeof(c->pending))
        c->pending[c->pending_tail++ % sizeof(c->pending)] = ch;
    fill_rx(c);
    spin_unlock(c->v.lock);
}

static void vcons_destroy(struct virtio_vdev *v)
{
    struct vcons *c = (struct vcons *)v;
    vconsole_port_gone(v->vm, &c->port);
    kfree(c);
}

static const struct virtio_backend vcons_backend = {
    .device_id = VIRTIO_ID_CONSOLE,
    .features = 0,
    .num_queues = 2,
    .notify = vcons_notify,
};

BUILT_FOR_SIZE int virtio_console_create(struct vm *vm, const struct vm_emu_device *e, struct diag *d)
{
    if (vm->hvc) {
        diag_error(d, vm->config->file, e->line, "devices.emu_devices", "only one virtio console per VM is supported");
        return -1;
    }
    struct vcons *c = kzalloc(sizeof(*c));
    if (!c) {
        diag_error(d, vm->config->file, e->line, "devices.emu_devices", "out of memory for the virtio console");
        return -1;
    }
    /* struct virtio_console_config: cols, rows (no size feature: unused), max_nr_ports 1. */
    const u8 config[12] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    c->port = (struct console_port){.vm = vm, .label = "hvc0", .input = vcons_input};
    c->v.destroy = vcons_destroy;
    virtio_vdev_add(&c->v, vm, e, "virtio-console", &vcons_backend, c, config, sizeof(config));
    vm->hvc = &c->port;
    return 0;
}
