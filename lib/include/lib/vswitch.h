/* A small learning Ethernet (L2) switch: ports join it, each frame a port sends is copied into the
 * bounded queue of the port its destination MAC was learned on, or of every other port for a
 * broadcast, multicast or unknown destination. Source MACs are learned per port (a bounded table;
 * the least recently seen entry makes room). A frame a full queue cannot take is dropped and
 * counted. Pure logic, no locking (the caller serialises every call on one switch): compiled into
 * the hypervisor (hv/core/virtio_net.c, one switch per network) and into host tests.
 * See docs/virtio.md. */
#ifndef LIB_VSWITCH_H
#define LIB_VSWITCH_H

#include <lib/types.h>

#define VSWITCH_MAX_PORTS 16u
#define VSWITCH_MAC_ENTRIES 64u
#define VSWITCH_QUEUE 64u        /* frames waiting per port for its receiver */
#define VSWITCH_FRAME_MIN 14u    /* an Ethernet header */
#define VSWITCH_FRAME_MAX 1518u  /* 1500 bytes of payload, header and one VLAN tag; no FCS */
/* Storm control: the frames a port may flood (broadcast, multicast, unknown destination) per
 * second, and in one burst. Address resolution needs a handful; a guest flooding every other VM
 * of its network at full speed would take their CPUs (each frame is an interrupt and a copy). */
#define VSWITCH_FLOOD_RATE 500u
#define VSWITCH_FLOOD_BURST 100u

struct vswitch_port_stats {
    u64 tx_frames, tx_bytes;  /* accepted from the port */
    u64 tx_dropped;           /* refused: shorter than a header, longer than VSWITCH_FRAME_MAX,
                                 or a multicast source address */
    u64 tx_dropped_flood;     /* to be flooded, over the port's VSWITCH_FLOOD_RATE */
    u64 rx_frames, rx_bytes;  /* delivered to the port's receiver */
    u64 rx_dropped_full;      /* for the port, but its queue was full */
    u64 rx_dropped_absent;    /* for the port, but its receiver could not take frames (no driver,
                                 a broken or reset device, a receive buffer too small) */
};

struct vswitch;

struct vswitch_port {
    struct vswitch *sw;  /* NULL: not attached */
    u32 index;           /* in sw->port[] */
    void *owner;         /* the device behind the port */
    /* Frames were queued for the port: deliver what its receiver can take now (vswitch_peek,
     * vswitch_pop). Called from vswitch_send, in the sender's context. */
    void (*kick)(struct vswitch_port *p);
    u32 head, count;     /* the queue: oldest at head */
    u16 len[VSWITCH_QUEUE];
    u8 frame[VSWITCH_QUEUE][VSWITCH_FRAME_MAX];
    struct vswitch_port_stats st;
    u32 flood_tokens; /* frames it may still flood; refilled with time */
    u64 flood_ms;     /* when they were last refilled */
};

struct vswitch_mac {
    u8 mac[6];
    bool used;
    u8 port;
    u32 seen; /* sw->clock when last seen as a source */
};

struct vswitch {
    struct vswitch_port *port[VSWITCH_MAX_PORTS];
    struct vswitch_mac mac[VSWITCH_MAC_ENTRIES];
    u32 clock;
    u64 forwarded; /* frames sent to one learned port */
    u64 flooded;   /* frames sent to every other port (broadcast, multicast, unknown) */
};

/* Joins p (its owner and kick set, the rest zeroed) to sw. 0, or -1 when sw has no free port. */
int vswitch_attach(struct vswitch *sw, struct vswitch_port *p);
/* Takes p out of its switch: its learned addresses are forgotten and its queued frames discarded;
 * no frame reaches it afterwards. Does nothing for a port that is not attached. */
void vswitch_detach(struct vswitch_port *p);
/* Port src sends a frame at time now_ms (milliseconds, any monotonic origin): learns its
 * source, queues a copy for each destination port (kicking it). Returns the number of ports it
 * was queued for (0: dropped, over the flood limit, filtered or nobody else). */
u32 vswitch_send(struct vswitch_port *src, const u8 *frame, u32 len, u64 now_ms);
/* The oldest frame queued for p, or NULL. */
const u8 *vswitch_peek(const struct vswitch_port *p, u32 *len);
/* Removes the oldest frame: delivered (counted in rx_frames), or not (rx_dropped_absent). */
void vswitch_pop(struct vswitch_port *p, bool delivered);
/* Discards every queued frame (the receiver cannot take any), counted in rx_dropped_absent. */
void vswitch_flush(struct vswitch_port *p);

#endif
