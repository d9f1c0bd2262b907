/* The device side of a virtio split virtqueue (virtio 1.2 §2.7): takes descriptor chains the
 * driver made available and returns them as used. Everything in the rings is guest-controlled
 * and untrusted: every ring, descriptor table and buffer is reached only through the caller's
 * map function (guest-physical to host translation, refusing anything outside the VM's RAM),
 * chains are bounded by the table they live in (loops end in an error), indirect tables by
 * VIRTQ_MAX_INDIRECT, and a chain's total length by 2^32 - 1. Little-endian hosts only (virtio 1
 * rings are little-endian). Pure logic: compiled into the hypervisor and host tests.
 * See docs/virtio.md. */
#ifndef LIB_VIRTQ_H
#define LIB_VIRTQ_H

#include <lib/addr.h>
#include <lib/types.h>

#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

#define VIRTQ_MAX_SIZE 256u     /* largest queue (QueueNumMax) a device offers */
#define VIRTQ_MAX_INDIRECT 256u /* entries in one indirect table */
#define VIRTQ_MAX_SEGS 256u     /* buffers in one chain */

/* Guest-physical [addr, addr + len) as a host pointer, or NULL when any of it is not the VM's
 * RAM (len >= 1). The pointer stays valid while the VM lives. */
struct virtq_mem {
    void *(*map)(void *ctx, gpa_t addr, u64 len);
    void *ctx;
};

struct virtq {
    u16 num;         /* queue size: a power of two, 1..VIRTQ_MAX_SIZE */
    bool ready;
    bool indirect;   /* VIRTIO_F_INDIRECT_DESC negotiated */
    bool event_idx;  /* VIRTIO_F_EVENT_IDX negotiated */
    gpa_t desc, avail, used;
    u16 last_avail;  /* next available-ring entry to take */
    u16 used_idx;    /* our used->idx */
    u16 signalled;   /* used_idx when the driver was last interrupted (event_idx) */
    bool signalled_valid;
};

struct virtq_seg {
    gpa_t addr;
    u32 len;
    bool write; /* device-writable */
    void *hva;  /* the mapped buffer */
};

struct virtq_chain {
    u16 head;
    u16 nseg;
    u32 readable, writable; /* total bytes of each kind */
    struct virtq_seg seg[VIRTQ_MAX_SEGS];
};

enum virtq_result {
    VIRTQ_GOT = 1,       /* a chain was taken */
    VIRTQ_EMPTY = 0,     /* nothing available */
    VIRTQ_E_RING = -1,   /* a ring or the descriptor table is not in the VM's RAM */
    VIRTQ_E_IDX = -2,    /* avail->idx moved more than the queue size ahead */
    VIRTQ_E_HEAD = -3,   /* a head or next index past the table */
    VIRTQ_E_LOOP = -4,   /* a chain longer than its table (a loop) */
    VIRTQ_E_ADDR = -5,   /* a buffer not in the VM's RAM */
    VIRTQ_E_LEN = -6,    /* a zero-length buffer, or a chain over 2^32 - 1 bytes */
    VIRTQ_E_INDIRECT = -7, /* indirect not negotiated, nested, with NEXT, or a bad table size */
    VIRTQ_E_ORDER = -8,  /* a device-readable buffer after a writable one */
    VIRTQ_E_SEGS = -9,   /* more than VIRTQ_MAX_SEGS buffers */
};

const char *virtq_strerror(int result);

/* Back to the reset state (not ready, size 0, addresses 0). */
void virtq_reset(struct virtq *q);
/* Whether the driver's size and ring addresses are usable: size a power of two within
 * VIRTQ_MAX_SIZE, rings aligned (16/2/4) and in the VM's RAM. 0 or a VIRTQ_E_* code. */
int virtq_check(const struct virtq *q, const struct virtq_mem *m);
/* Takes the next available chain into c. VIRTQ_GOT, VIRTQ_EMPTY or a VIRTQ_E_* code (the
 * queue is then broken: the caller asks the driver for a reset). */
int virtq_pop(struct virtq *q, const struct virtq_mem *m, struct virtq_chain *c);
/* Returns chain `head` as used with `written` bytes written into it. 0 or VIRTQ_E_RING. */
int virtq_push(struct virtq *q, const struct virtq_mem *m, u16 head, u32 written);
/* After pushes: whether the driver wants an interrupt now (its used_event with event_idx,
 * else the avail ring's NO_INTERRUPT flag). */
bool virtq_need_interrupt(struct virtq *q, const struct virtq_mem *m);

#endif
