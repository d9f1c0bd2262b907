/* Device side of a virtio split virtqueue (see lib/virtq.h). Guest memory may change under us at
 * any time (another vCPU): each descriptor is copied once and only the copy is checked and used. */
#include <lib/string.h>
#include <lib/virtq.h>

#define DESC_SIZE 16u

static u64 avail_size(u16 num) { return 4u + 2u * (u64)num + 2u; }
static u64 used_size(u16 num) { return 4u + 8u * (u64)num + 2u; }

static u16 ld16(const volatile void *p) { return *(const volatile u16 *)p; }
static void st16(volatile void *p, u16 v) { *(volatile u16 *)p = v; }
static void st32(volatile void *p, u32 v) { *(volatile u32 *)p = v; }

const char *virtq_strerror(int r)
{
    switch (r) {
    case VIRTQ_E_RING:
        return "a ring is outside the VM's RAM";
    case VIRTQ_E_IDX:
        return "avail index ran more than the queue size ahead";
    case VIRTQ_E_HEAD:
        return "descriptor index past the table";
    case VIRTQ_E_LOOP:
        return "descriptor chain longer than its table (loop)";
    case VIRTQ_E_ADDR:
        return "buffer outside the VM's RAM";
    case VIRTQ_E_LEN:
        return "zero-length buffer or chain over 4 GiB";
    case VIRTQ_E_INDIRECT:
        return "bad indirect descriptor";
    case VIRTQ_E_ORDER:
        return "device-readable buffer after a writable one";
    case VIRTQ_E_SEGS:
        return "too many buffers in one chain";
    default:
        return "no error";
    }
}

void virtq_reset(struct virtq *q) { memset(q, 0, sizeof(*q)); }

int virtq_check(const struct virtq *q, const struct virtq_mem *m)
{
    if (q->num == 0 || q->num > VIRTQ_MAX_SIZE || (q->num & (q->num - 1)))
        return VIRTQ_E_RING;
    if (!IS_ALIGNED(q->desc.val, 16) || !IS_ALIGNED(q->avail.val, 2) || !IS_ALIGNED(q->used.val, 4))
        return VIRTQ_E_RING;
    if (!m->map(m->ctx, q->desc, DESC_SIZE * (u64)q->num) || !m->map(m->ctx, q->avail, avail_size(q->num)) ||
        !m->map(m->ctx, q->used, used_size(q->num)))
        return VIRTQ_E_RING;
    return 0;
}

struct desc {
    u64 addr;
    u32 len;
    u16 flags, next;
};

static struct desc read_desc(const u8 *table, u32 i)
{
    struct desc d;
    const volatile u8 *p = table + (u64)i * DESC_SIZE;
    u8 raw[DESC_SIZE];
    for (u32 k = 0; k < DESC_SIZE; k++) /* byte copy: an indirect table need not be aligned */
        raw[k] = p[k];
    memcpy(&d.addr, raw, 8);
    memcpy(&d.len, raw + 8, 4);
    memcpy(&d.flags, raw + 12, 2);
    memcpy(&d.next, raw + 14, 2);
    return d;
}

static int add_seg(const struct virtq_mem *m, struct virtq_chain *c, const struct desc *d, bool *seen_write)
{
    if (d->len == 0)
        return VIRTQ_E_LEN;
    bool write = d->flags & VIRTQ_DESC_F_WRITE;
    if (!write && *seen_write)
        return VIRTQ_E_ORDER;
    u32 *total = write ? &c->writable : &c->readable;
    if ((u64)*total + d->len > 0xffffffffull || (u64)c->readable + c->writable + d->len > 0xffffffffull)
        return VIRTQ_E_LEN;
    if (c->nseg >= VIRTQ_MAX_SEGS)
        return VIRTQ_E_SEGS;
    void *hva = d->addr + d->len < d->addr ? NULL : m->map(m->ctx, gpa(d->addr), d->len);
    if (!hva)
        return VIRTQ_E_ADDR;
    *seen_write |= write;
    *total += d->len;
    c->seg[c->nseg++] = (struct virtq_seg){gpa(d->addr), d->len, write, hva};
    return 0;
}

/* Walks the chain at `head` of the queue's table, following at most one indirect table. */
static int walk(const struct virtq *q, const struct virtq_mem *m, const u8 *table, u16 head, struct virtq_chain *c)
{
    u32 size = q->num, i = head, count = 0;
    bool indirect = false, seen_write = false;
    for (;;) {
        if (i >= size)
            return VIRTQ_E_HEAD;
        if (++count > size)
            return VIRTQ_E_LOOP;
        struct desc d = read_desc(table, i);
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            /* Only as the one descriptor of a direct chain (§2.7.5.3.1). */
            if (!q->indirect || indirect || (d.flags & VIRTQ_DESC_F_NEXT) || count != 1)
                return VIRTQ_E_INDIRECT;
            if (d.len == 0 || d.len % DESC_SIZE || d.len / DESC_SIZE > VIRTQ_MAX_INDIRECT)
                return VIRTQ_E_INDIRECT;
            table = d.addr + d.len < d.addr ? NULL : m->map(m->ctx, gpa(d.addr), d.len);
            if (!table)
                return VIRTQ_E_ADDR;
            indirect = true;
            size = d.len / DESC_SIZE;
            i = 0;
            count = 0;
            continue;
        }
        int r = add_seg(m, c, &d, &seen_write);
        if (r)
            return r;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        i = d.next;
    }
}

int virtq_pop(struct virtq *q, const struct virtq_mem *m, struct virtq_chain *c)
{
    if (!q->ready)
        return VIRTQ_EMPTY;
    u8 *avail = m->map(m->ctx, q->avail, avail_size(q->num));
    u8 *used = m->map(m->ctx, q->used, used_size(q->num));
    const u8 *table = m->map(m->ctx, q->desc, DESC_SIZE * (u64)q->num);
    if (!avail || !used || !table)
        return VIRTQ_E_RING;
    if (q->event_idx) {
        /* avail_event: kick us again once anything past what we took is added. The fence
         * orders this store before the idx load, so a chain added in between is seen. */
        st16(used + 4 + 8u * q->num, q->last_avail);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    u16 idx = ld16(avail + 2);
    if (idx == q->last_avail)
        return VIRTQ_EMPTY;
    if ((u16)(idx - q->last_avail) > q->num)
        return VIRTQ_E_IDX;
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the ring entry is read after the index */
    u16 head = ld16(avail + 4 + 2u * (q->last_avail % q->num));
    q->last_avail++;
    c->head = head;
    c->nseg = 0;
    c->readable = c->writable = 0;
    int r = walk(q, m, table, head, c);
    return r ? r : VIRTQ_GOT;
}

int virtq_push(struct virtq *q, const struct virtq_mem *m, u16 head, u32 written)
{
    u8 *used = m->map(m->ctx, q->used, used_size(q->num));
    if (!used)
        return VIRTQ_E_RING;
    u8 *elem = used + 4 + 8u * (q->used_idx % q->num);
    st32(elem, head);
    st32(elem + 4, written);
    q->used_idx++;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the element before the index */
    st16(used + 2, q->used_idx);
    return 0;
}

bool virtq_need_interrupt(struct virtq *q, const struct virtq_mem *m)
{
    const u8 *avail = m->map(m->ctx, q->avail, avail_size(q->num));
    if (!avail)
        return true;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* our used->idx store before reading the driver's wishes */
    if (!q->event_idx)
        return !(ld16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    u16 event = ld16(avail + 4 + 2u * q->num), old = q->signalled, now = q->used_idx;
    bool valid = q->signalled_valid;
    q->signalled = now;
    q->signalled_valid = true;
    /* §2.7.10: interrupt when used_idx passed used_event since the last interrupt. */
    return !valid || (u16)(now - event - 1) < (u16)(now - old);
}
