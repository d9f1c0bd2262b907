/* libFuzzer target for the virtqueue walker (lib/src/virtq.c): the input is a hostile driver's
 * view of guest memory. Byte 0 picks the queue size (1 << (b & 7), or the byte itself from 0xf0:
 * sizes virtq_check must refuse), byte 1 the negotiated features
 * (indirect, event index), bytes 2..5 where the three rings sit; the rest is guest RAM (16 KiB
 * at guest-physical RAM_BASE, zero past the input). Chains are popped until the queue is empty
 * or broken, each checked against the RAM bounds, and returned as used. ASan traps any access
 * outside the RAM buffer; invariants trap so that libFuzzer records the input. */
#include <stddef.h>
#include <stdint.h>

#include <lib/string.h>
#include <lib/virtq.h>

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            __builtin_trap();                                                                                \
    } while (0)

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x4000ull
#define HDR 6

static u8 *ram;

static void *map_ram(void *ctx, gpa_t a, u64 len)
{
    (void)ctx;
    if (len == 0 || a.val < RAM_BASE || a.val - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (a.val - RAM_BASE))
        return NULL;
    return ram + (a.val - RAM_BASE);
}

static struct virtq_chain chain;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static u8 buf[RAM_SIZE];
    if (size < HDR)
        return 0;
    ram = buf;
    memset(ram, 0, RAM_SIZE);
    memcpy(ram, data + HDR, MIN(size - HDR, (size_t)RAM_SIZE));
    const struct virtq_mem mem = {map_ram, NULL};
    struct virtq q;
    virtq_reset(&q);
    q.num = (u16)(data[0] < 0xf0 ? 1u << (data[0] & 7) : data[0]);
    q.indirect = data[1] & 1;
    q.event_idx = data[1] & 2;
    q.desc = gpa(RAM_BASE + 16u * data[2] * 4);
    q.avail = gpa(RAM_BASE + 2u * data[3] * 8 + (data[1] & 4 ? 1 : 0));
    q.used = gpa(RAM_BASE + 4u * data[4] * 8 + data[5] % 64);
    if (virtq_check(&q, &mem) != 0)
        return 0;
    q.ready = true;
    for (unsigned rounds = 0; rounds < 2u * VIRTQ_MAX_SIZE + 2; rounds++) {
        int r = virtq_pop(&q, &mem, &chain);
        if (r <= 0) {
            CHECK(r == VIRTQ_EMPTY || virtq_strerror(r)[0]);
            break;
        }
        CHECK(chain.nseg >= 1 && chain.nseg <= VIRTQ_MAX_SEGS);
        u64 readable = 0, writable = 0;
        bool seen_write = false;
        for (u32 i = 0; i < chain.nseg; i++) {
            const struct virtq_seg *s = &chain.seg[i];
            CHECK(s->len > 0);
            CHECK(s->addr.val >= RAM_BASE && s->addr.val - RAM_BASE + s->len <= RAM_SIZE);
            CHECK((u8 *)s->hva == ram + (s->addr.val - RAM_BASE));
            CHECK(!seen_write || s->write);
            seen_write |= s->write;
            (s->write ? &writable : &readable)[0] += s->len;
            /* The device touches every byte it was given. */
            volatile u8 *p = s->hva;
            if (s->write)
                p[s->len - 1] = p[0];
            else
                (void)p[s->len - 1];
        }
        CHECK(readable == chain.readable && writable == chain.writable);
        CHECK(virtq_push(&q, &mem, chain.head, chain.writable) == 0);
        (void)virtq_need_interrupt(&q, &mem);
    }
    return 0;
}
