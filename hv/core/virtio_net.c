/* virtio-net (virtio 1.2 §5.1): one receive and one transmit queue, the modern 12-byte header
 * (struct virtio_net_hdr_v1), no offloads: features VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS
 * (the link is always up) besides the transport's. Each device is a port of the switch of its
 * network (emu_devices cfg[0], lib/vswitch.h); its MAC is cfg[1], or 02:63:76 and the low 24 bits
 * of the VM id. Frames cross VMs by copy: from the sender's transmit buffers into the switch's
 * queue of the receiving port, then into the receiver's receive buffers, every buffer checked by
 * lib/virtq. Every device and switch shares one lock (vnet_lock): the sender's vCPU fills the
 * receiver's queue under it, so no two device locks are ever held at once. */
#include <base/log.h>
#include <base/mm.h>
#include <base/timer.h>
#include <hv/virtio_dev.h>
#include <hv/vm.h>
#include <lib/string.h>

#define RXQ 0
#define TXQ 1
#define HDR 12u /* struct virtio_net_hdr_v1: flags, gso_type, hdr_len, gso_size, csum_start,
                   csum_offset, num_buffers */

#define F_MAC 5
#define F_STATUS 16
#define LINK_UP 1u

struct vnet {
    struct virtio_vdev v;     /* first: the device's destroy hook gets it */
    struct vswitch_port port; /* its queue: frames waiting for receive buffers */
    u8 mac[6];
    u32 network;
    struct virtq_chain chain; /* the chain being handled (too big for the stack) */
    u8 tx[HDR + VSWITCH_FRAME_MAX];
};

static spinlock_t vnet_lock = SPINLOCK_INIT;
static struct vswitch switches[VM_NET_NETWORKS];

/* Queued frames into the receiver's buffers, as many as it posted; vnet_lock held. */
static void deliver(struct vswitch_port *p)
{
    struct vnet *n = p->owner;
    struct virtio_mmio *t = &n->v.t;
    if (!virtio_mmio_live(t) || !t->q[RXQ].ready) {
        vswitch_flush(p); /* no driver (yet), or a broken device: nobody takes them */
        return;
    }
    bool pushed = false;
    const u8 *frame;
    u32 len;
    while ((frame = vswitch_peek(p, &len))) {
        int r = virtq_pop(&t->q[RXQ], &t->host.mem, &n->chain);
        if (r == VIRTQ_EMPTY)
            break; /* the rest wait in the port's queue for more buffers */
        if (r < 0) {
            virtio_mmio_fail(t, RXQ, r);
            vswitch_flush(p);
            return;
        }
        if (n->chain.writable < HDR + len) {
            /* No mergeable buffers: a frame must fit one chain. Linux posts big enough ones. */
            virtq_push(&t->q[RXQ], &t->host.mem, n->chain.head, 0);
            vswitch_pop(p, false);
            pushed = true;
            continue;
        }
        u8 hdr[HDR] = {0};
        hdr[10] = 1; /* num_buffers */
        u32 done = 0, total = HDR + len;
        for (u32 s = 0; s < n->chain.nseg && done < total; s++) {
            struct virtq_seg *g = &n->chain.seg[s];
            if (!g->write)
                continue; /* receive buffers are device-writable; anything else is skipped */
            u32 k = MIN(g->len, total - done);
            u8 *dst = g->hva;
            for (u32 i = 0; i < k; i++, done++)
                dst[i] = done < HDR ? hdr[done] : frame[done - HDR];
        }
        virtq_push(&t->q[RXQ], &t->host.mem, n->chain.head, total);
        vswitch_pop(p, true);
        pushed = true;
    }
    if (pushed)
        virtio_mmio_used(t, RXQ);
}

/* The driver's transmit chains into the switch; vnet_lock held. */
static void transmit(struct vnet *n)
{
    struct virtio_mmio *t = &n->v.t;
    bool pushed = false;
    for (;;) {
        int r = virtq_pop(&t->q[TXQ], &t->host.mem, &n->chain);
        if (r == VIRTQ_EMPTY)
            break;
        if (r < 0) {
            virtio_mmio_fail(t, TXQ, r);
            break;
        }
        /* Header and frame: the device-readable bytes, in any layout (VERSION_1). */
        u32 got = 0;
        for (u32 s = 0; s < n->chain.nseg && got < sizeof(n->tx); s++) {
            const struct virtq_seg *g = &n->chain.seg[s];
            if (g->write)
                break;
            u32 k = MIN(g->len, (u32)sizeof(n->tx) - got);
            memcpy(n->tx + got, g->hva, k);
            got += k;
        }
        /* No offloads were offered: a header asking for one (checksum, segmentation) is refused
         * with frames too short or too long for the switch. */
        if (n->chain.readable > sizeof(n->tx) || got < HDR || n->tx[0] || n->tx[1])
            n->port.st.tx_dropped++;
        else if (n->port.sw)
            vswitch_send(&n->port, n->tx + HDR, got - HDR, timer_ns() / 1000000);
        virtq_push(&t->q[TXQ], &t->host.mem, n->chain.head, 0);
        pushed = true;
    }
    if (pushed)
        virtio_mmio_used(t, TXQ);
}

static void vnet_notify(struct virtio_mmio *t, u16 q)
{
    struct vnet *n = t->dev;
    if (q == TXQ)
        transmit(n);
    else
        deliver(&n->port); /* new receive buffers: frames may be waiting */
}

/* A reset device holds no buffers: what waits for it is dropped. */
static void vnet_reset(struct virtio_mmio *t)
{
    struct vnet *n = t->dev;
    vswitch_flush(&n->port);
}

static void vnet_destroy(struct virtio_vdev *v)
{
    struct vnet *n = (struct vnet *)v;
    spin_lock(&vnet_lock);
    vswitch_detach(&n->port);
    if (v->vm->net == n)
        v->vm->net = NULL;
    spin_unlock(&vnet_lock);
    kfree(n);
}

void virtio_net_detach(struct vm *vm)
{
    spin_lock(&vnet_lock);
    struct vnet *n = vm->net;
    if (n) {
        vswitch_detach(&n->port);
        vm->net = NULL;
    }
    spin_unlock(&vnet_lock);
}

bool virtio_net_info(struct vm *vm, struct virtio_net_info *out)
{
    spin_lock(&vnet_lock);
    struct vnet *n = vm->net;
    if (n) {
        memcpy(out->mac, n->mac, 6);
        out->network = n->network;
        out->st = n->port.st;
    }
    spin_unlock(&vnet_lock);
    return n != NULL;
}

static const struct virtio_backend vnet_backend = {
    .device_id = VIRTIO_ID_NET,
    .features = (1ull << F_MAC) | (1ull << F_STATUS),
    .num_queues = 2,
    .notify = vnet_notify,
    .reset = vnet_reset,
};

BUILT_FOR_SIZE int virtio_net_create(struct vm *vm, const struct vm_emu_device *e, struct diag *d)
{
    const struct vm_config *c = vm->config;
    if (vm->net) {
        diag_error(d, c->file, e->line, "devices.emu_devices", "only one virtio-net device per VM is supported");
        return -1;
    }
    struct vnet *n = kzalloc(sizeof(*n));
    if (!n) {
        diag_error(d, c->file, e->line, "devices.emu_devices", "out of memory for the virtio-net device");
        return -1;
    }
    /* The config was validated: network below VM_NET_NETWORKS, a unicast MAC. */
    n->network = e->cfg_count > 0 ? (u32)e->cfg[0] : 0;
    u64 mac = e->cfg_count > 1 ? e->cfg[1] : (0x026376ull << 24) | (vm->id & 0xffffffull);
    for (u32 i = 0; i < 6; i++)
        n->mac[i] = (u8)(mac >> (8 * (5 - i)));
    /* struct virtio_net_config: mac, status, max_virtqueue_pairs. */
    u8 config[10] = {0};
    memcpy(config, n->mac, 6);
    config[6] = LINK_UP;
    config[8] = 1;
    n->port.owner = n;
    n->port.kick = deliver;
    n->v.lock = &vnet_lock;
    n->v.destroy = vnet_destroy;
    /* The device first, then the port: a frame for it finds a device in its reset state. On
     * failure the device stays with the VM, which is released (and it freed) with it. */
    virtio_vdev_add(&n->v, vm, e, "virtio-net", &vnet_backend, n, config, sizeof(config));
    spin_lock(&vnet_lock);
    int r = vswitch_attach(&switches[n->network], &n->port);
    if (r == 0)
        vm->net = n;
    spin_unlock(&vnet_lock);
    if (r != 0) {
        diag_error(d, c->file, e->line, "devices.emu_devices", "network %u has no free port (at most %u)",
                   n->network, VSWITCH_MAX_PORTS);
        return -1;
    }
    LOG_AT(LOG_INFO, (long)vm->id, "virtio-net: MAC %02x:%02x:%02x:%02x:%02x:%02x on network %u", n->mac[0],
           n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->network);
    return 0;
}
