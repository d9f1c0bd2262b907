/* Test guest for shared memory between VMs (docs/shmem.md), one binary in three roles chosen by
 * the VM id its config gives:
 *
 *  - vm1 "ping" and vm2 "pong" share the region of their configs' shmem_regions[0] (each at its
 *    own guest address, learnt with HC_SHMEM_BASE). pong rings once when it is ready (ping's
 *    interrupt may be pending before ping enables it: it waits in the controller). ping writes message
 *    i and rings the
 *    doorbell; pong, woken by its doorbell interrupt, checks it, writes reply i and rings back;
 *    ping checks the reply. After MESSAGES round trips both print what they counted, then keep
 *    reading the region (a heartbeat line every 250 ms) until the shell stops them: the test
 *    stops one and watches the other still read the data.
 *  - vm3 "intruder" rings regions that are not its own and reads another VM's region address;
 *    each must fail for it alone.
 *  - vm4 "echo" is the peer of a guest that cannot ring (Linux through /dev/mem, docs/shmem.md):
 *    it polls ping_seq every 10 ms and answers each new message as pong does, then rings.
 *
 * The doorbell is a shared interrupt of the VM's emulated interrupt controller (the number
 * from the config: a vGICv3 INTID on aarch64, a vPLIC source on riscv64), driven by the
 * architecture part (guests/shmem/<arch>.c); interrupts stay masked in the CPU and the guest
 * waits with WFI and takes them by acknowledging them at the controller, so it needs no
 * exception vectors. */
#include "guest.h"

#include <lib/string.h>

#define MESSAGES 10000

/* The VM's interrupt controller (guests/shmem/<arch>.c): set up with line irq enabled for vCPU
 * 0; another line enabled; the next interrupt, waited for in WFI, acknowledged and ended. */
void irq_init(u32 irq);
void irq_enable(u32 irq);
u32 irq_next(void);

struct channel { /* at the start of the shared region */
    volatile u64 ready[3]; /* by VM id: its doorbell is set up */
    volatile u64 ping_seq, ping_val;
    volatile u64 pong_seq, pong_val;
    volatile u64 heartbeat[3];
    volatile u64 boots[3]; /* by VM id: how many times it started with this region */
};

static u32 doorbell_irq;
static u64 doorbells, other_irqs;

static inline void barrier(void) { guest_mb(); }

static u32 wait_irq(u32 want);

/* Until the doorbell interrupt has been taken (acknowledged and ended) once. */
static void wait_doorbell(void)
{
    wait_irq(doorbell_irq);
    doorbells++;
}

static u64 ivc_irqs;

/* Until interrupt `want` has been taken once; others are counted. */
static u32 wait_irq(u32 want)
{
    for (;;) {
        u32 irq = irq_next();
        if (irq == want)
            return irq;
        other_irqs++;
    }
}

static long ring(u64 index) { return hypercall(HC_SHMEM_DOORBELL, index, 0); }

static void hold(struct channel *ch, long id, const char *role)
{
    for (u64 beat = 1;; beat++) {
        ch->heartbeat[id] = beat;
        gprintf("shmem(vm%ld): %s holds the region: ping_seq %llu, pong_seq %llu, ping boots %llu, beat %llu, "
                "doorbells %llu\n",
                id, role, (unsigned long long)ch->ping_seq, (unsigned long long)ch->pong_seq,
                (unsigned long long)ch->boots[1], (unsigned long long)beat, (unsigned long long)doorbells);
        guest_delay_ms(250);
    }
}

/* ---- axvisor's IVC calls: a channel ping publishes and pong subscribes to ---- */
#define IVC_KEY 0x42
#define IVC_MAGIC 0xc0ffeeull
#define IVC_REPLY 0xbeefull
#define IVC_IRQ_PING 50 /* the configs' IVC windows (emu_type 0xA) */
static u64 ivc_base, ivc_size; /* what the calls write back (guest RAM, 8-byte aligned) */

static void ivc_publisher(long id)
{
    ivc_size = 0x2800; /* rounded up to whole pages */
    long r = hypercall4(HC_IVC_PUBLISH, IVC_KEY, (u64)&ivc_base, (u64)&ivc_size, 0);
    u64 base = ivc_base, size = ivc_size;
    long again = hypercall4(HC_IVC_PUBLISH, IVC_KEY, (u64)&ivc_base, (u64)&ivc_size, 0);
    volatile u64 *chan = (volatile u64 *)base;
    if (r == 0) {
        chan[0] = IVC_MAGIC;
        barrier();
    }
    gprintf("shmem(vm%ld): ivc: publish key %#x -> %ld, gpa %#llx, %llu bytes; again -> %ld\n", id, IVC_KEY, r,
            (unsigned long long)base, (unsigned long long)size, again);
    irq_enable(IVC_IRQ_PING);
    wait_irq(IVC_IRQ_PING); /* pong has read the magic and replied */
    ivc_irqs++;
    barrier();
    u64 reply = chan[1];
    long unpub = hypercall(HC_IVC_UNPUBLISH, IVC_KEY, 0);
    gprintf("shmem(vm%ld): ivc: reply %#llx after %llu doorbell; unpublish -> %ld, again -> %ld, ring -> %ld\n", id,
            (unsigned long long)reply, (unsigned long long)ivc_irqs, unpub, hypercall(HC_IVC_UNPUBLISH, IVC_KEY, 0),
            hypercall(HC_IVC_DOORBELL, (u64)id, IVC_KEY));
}

static void ivc_subscriber(long id)
{
    long r = -1;
    /* Subscribed with axvisor's bare form (x0 = 4), until ping has published. */
    for (int tries = 0; tries < 2000 && r != 0; tries++) {
        r = hypercall_raw(HC_IVC_SUBSCRIBE, 1, IVC_KEY, (u64)&ivc_base, (u64)&ivc_size);
        if (r != 0)
            guest_delay_ms(5);
    }
    volatile u64 *chan = (volatile u64 *)ivc_base;
    for (int tries = 0; r == 0 && chan[0] != IVC_MAGIC && tries < 1000; tries++)
        guest_delay_ms(1); /* ping writes it just after its publish returns */
    u64 magic = r == 0 ? chan[0] : 0;
    if (r == 0) {
        chan[1] = IVC_REPLY;
        barrier();
    }
    long rung = hypercall(HC_IVC_DOORBELL, 1, IVC_KEY);
    gprintf("shmem(vm%ld): ivc: subscribe -> %ld, gpa %#llx, %llu bytes, magic %#llx, ring -> %ld\n", id, r,
            (unsigned long long)ivc_base, (unsigned long long)ivc_size, (unsigned long long)magic, rung);
    guest_delay_ms(300); /* ping unpublishes meanwhile */
    u64 still = r == 0 ? chan[0] : 0;
    u64 b2, s2;
    long resub = hypercall4(HC_IVC_SUBSCRIBE, 1, IVC_KEY, (u64)&b2, (u64)&s2);
    long unsub = hypercall(HC_IVC_UNSUBSCRIBE, 1, IVC_KEY);
    gprintf("shmem(vm%ld): ivc: after unpublish reads %#llx, subscribe -> %ld, unsubscribe -> %ld, again -> %ld\n",
            id, (unsigned long long)still, resub, unsub, hypercall(HC_IVC_UNSUBSCRIBE, 1, IVC_KEY));
}

static void ping(struct channel *ch, long id)
{
    u64 bad = 0;
    /* pong's first doorbell says it is ready. Waiting in WFI, not in a polling loop, also lets
     * QEMU's single-threaded -icount mode (make bench) run the other CPU at once. */
    wait_doorbell();
    if (!ch->ready[2])
        bad++;
    doorbells = 0;
    u64 t0 = guest_counter();
    for (u64 i = 1; i <= MESSAGES; i++) {
        ch->ping_val = i * 3 + 1;
        barrier();
        ch->ping_seq = i;
        barrier();
        if (ring(0) != 1)
            bad++;
        wait_doorbell();
        barrier();
        if (ch->pong_seq != i || ch->pong_val != i * 5 + 2)
            bad++;
    }
    /* Guest-visible time per round trip (ring, pong's interrupt and reply, ping's interrupt),
     * in tenths of a nanosecond: under QEMU -icount shift=0 (make bench) a nanosecond is one
     * instruction executed by the machine. */
    u64 ticks = guest_counter() - t0;
    _Static_assert(10000000000ull % MESSAGES == 0, "tenths of a ns per message: an exact factor");
    u64 tenths = ticks * (10000000000ull / MESSAGES) / guest_counter_freq(); /* no overflow for ~2.5 h at 2 GHz */
    gprintf("shmem(vm%ld): ping done: %d messages sent, %llu replies checked bad, %llu doorbells received, "
            "%llu other interrupts, %llu ms\n",
            id, MESSAGES, (unsigned long long)bad, (unsigned long long)doorbells, (unsigned long long)other_irqs,
            (unsigned long long)(ticks * 1000 / guest_counter_freq()));
    gprintf("shmem(vm%ld): doorbell round trip %llu.%llu ns\n", id, (unsigned long long)(tenths / 10),
            (unsigned long long)(tenths % 10));
    ivc_publisher(id);
    hold(ch, id, "ping");
}

static void pong(struct channel *ch, long id)
{
    u64 bad = 0;
    ch->ready[2] = 1;
    barrier();
    if (ring(0) != 1) /* ready */
        bad++;
    for (u64 i = 1; i <= MESSAGES; i++) {
        wait_doorbell();
        barrier();
        if (ch->ping_seq != i || ch->ping_val != i * 3 + 1)
            bad++;
        ch->pong_val = i * 5 + 2;
        barrier();
        ch->pong_seq = i;
        barrier();
        if (ring(0) != 1)
            bad++;
    }
    gprintf("shmem(vm%ld): pong done: %d messages answered, %llu bad, %llu doorbells received, %llu other "
            "interrupts\n",
            id, MESSAGES, (unsigned long long)bad, (unsigned long long)doorbells, (unsigned long long)other_irqs);
    ivc_subscriber(id);
    hold(ch, id, "pong");
}

static void echo(struct channel *ch, long id)
{
    u64 seen = ch->ping_seq;
    gprintf("shmem(vm%ld): echo: polling for messages\n", id);
    for (;;) {
        u64 seq = ch->ping_seq;
        if (seq != seen) {
            barrier();
            u64 v = ch->ping_val;
            ch->pong_val = v * 5 + 2;
            barrier();
            ch->pong_seq = seq;
            barrier();
            seen = seq;
            gprintf("shmem(vm%ld): echo: message %llu, value %#llx answered (doorbell: %ld)\n", id,
                    (unsigned long long)seq, (unsigned long long)v, ring(0));
        }
        guest_delay_ms(10);
    }
}

static void intruder(long id)
{
    /* Its own region (index 0) has no peer: ringing it reaches nobody. Anything else is not its. */
    gprintf("shmem(vm%ld): intruder: own region -> %ld, index 1 -> %ld, index -1 -> %ld, base of 1 -> %ld\n", id,
            ring(0), ring(1), ring(~0ul), hypercall(HC_SHMEM_BASE, 1, 0));
    /* IVC: nothing of ping's is its to drop or ring; pointers outside its RAM, sizes beyond its
     * window and channels that do not exist are refused. */
    static u64 b, sz;
    sz = 0x100000;
    long big = hypercall4(HC_IVC_PUBLISH, 7, (u64)&b, (u64)&sz, 0);
    long wild = hypercall4(HC_IVC_PUBLISH, 7, (u64)&b, 0x100000000ul, 0);
    long none = hypercall4(HC_IVC_SUBSCRIBE, 1, 0x9999, (u64)&b, (u64)&sz);
    long own = hypercall4(HC_IVC_SUBSCRIBE, (u64)id, 7, (u64)&b, (u64)&sz);
    gprintf("shmem(vm%ld): intruder: ivc unpublish ping's -> %ld, unsubscribe -> %ld, ring -> %ld, publish too big "
            "-> %ld, wild pointer -> %ld, subscribe missing -> %ld, own -> %ld\n",
            id, hypercall(HC_IVC_UNPUBLISH, IVC_KEY, 0), hypercall(HC_IVC_UNSUBSCRIBE, 1, IVC_KEY),
            hypercall(HC_IVC_DOORBELL, 1, IVC_KEY), big, wild, none, own);
    /* ping's region is at 0x5000_0000 in ping's space; in this VM nothing is there. */
    gprintf("shmem(vm%ld): intruder: reading gpa 0x50000000\n", id);
    u64 v = *(volatile u64 *)0x50000000ul;
    gprintf("shmem(vm%ld): intruder: READ %#llx from another VM's region\n", id, (unsigned long long)v);
    guest_system_off();
}

/* Whether the device tree at dtb (generated by cvisor) holds the bytes of s: enough to see
 * that the shared region's node is there, with its compatible and name. */
static bool dtb_has(u64 dtb, const char *s)
{
    const u8 *b = (const u8 *)dtb;
    u32 size = (u32)b[4] << 24 | (u32)b[5] << 16 | (u32)b[6] << 8 | b[7]; /* totalsize, big-endian */
    size_t n = strlen(s) + 1;
    for (u32 i = 0; size >= n && i <= size - n; i++)
        if (!memcmp(b + i, s, n))
            return true;
    return false;
}

void guest_main(u64 dtb)
{
    long id = hypercall(HC_VM_ID, 0, 0);
    if (dtb)
        gprintf("shmem(vm%ld): device tree: cvisor,shmem %s, generic-uio %s, region pingpong %s\n", id,
                dtb_has(dtb, "cvisor,shmem") ? "yes" : "no", dtb_has(dtb, "generic-uio") ? "yes" : "no",
                dtb_has(dtb, "pingpong") ? "yes" : "no");
    if (id == 3)
        intruder(id);
    long base = hypercall(HC_SHMEM_BASE, 0, 0), size = hypercall(HC_SHMEM_SIZE, 0, 0);
    doorbell_irq = id == 1 ? 48 : 49;
    gprintf("shmem(vm%ld): region 0 at %#lx, %ld bytes, doorbell %s %u\n", id, base, size, GUEST_IRQ_NAME,
            doorbell_irq);
    if (base < 0 || size < (long)sizeof(struct channel)) {
        gprintf("shmem(vm%ld): no shared region\n", id);
        guest_system_off();
    }
    if (id < 3)
        ((struct channel *)base)->boots[id]++;
    irq_init(doorbell_irq);
    if (id == 4)
        echo((struct channel *)base, id);
    if (id == 1)
        ping((struct channel *)base, id);
    else
        pong((struct channel *)base, id);
}
