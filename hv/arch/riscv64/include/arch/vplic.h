/* The virtual PLIC of a riscv64 VM (RISC-V PLIC specification 1.0.0, the layout of QEMU virt's
 * SiFive PLIC): pure register logic and interrupt state, no locking, no allocation, so that it
 * is host-tested (tests/unit/hv/arch/riscv64/test_vplic.c). Its glue (virq.c) locks it, maps it
 * into the VM and turns each hart's S-mode context output into hvip.VSEIP.
 *
 * Sources 1..VPLIC_SOURCES-1 (0 means "no interrupt"), each with a priority (0 = never); a source
 * is pending while its line is high (a device's level) or after an edge, until a context claims
 * it; a claimed source stays in service (no new request) until that context completes it.
 * Contexts: two per hart as on QEMU virt, 2h = M-mode (a guest has none: never delivered) and
 * 2h+1 = S-mode, each with its enable bits and priority threshold. */
#ifndef ARCH_VPLIC_H
#define ARCH_VPLIC_H

#include <lib/types.h>

#define VPLIC_SOURCES 96u /* as QEMU virt: riscv,ndev = 95 */
#define VPLIC_WORDS (VPLIC_SOURCES / 32u)
#define VPLIC_PRIO_MASK 7u /* 3 priority bits, as QEMU virt */
#define VPLIC_MAX_HARTS 16u
#define VPLIC_CONTEXTS_PER_HART 2u
#define VPLIC_MAX_CONTEXTS (VPLIC_MAX_HARTS * VPLIC_CONTEXTS_PER_HART)
#define VPLIC_CONTEXT_S(hart) ((hart) * VPLIC_CONTEXTS_PER_HART + 1u)

/* Register map (offsets from the base). */
#define VPLIC_PRIORITY 0x0u       /* u32 per source */
#define VPLIC_PENDING 0x1000u     /* u32 per 32 sources, read-only */
#define VPLIC_ENABLE 0x2000u      /* per context: u32 per 32 sources */
#define VPLIC_ENABLE_STRIDE 0x80u
#define VPLIC_CONTEXT 0x200000u   /* per context: threshold at +0, claim/complete at +4 */
#define VPLIC_CONTEXT_STRIDE 0x1000u
#define VPLIC_SIZE(contexts) (VPLIC_CONTEXT + (u64)(contexts) * VPLIC_CONTEXT_STRIDE)

struct vplic_context {
    u32 enable[VPLIC_WORDS];
    u32 threshold;
};

struct vplic {
    u32 contexts; /* 2 per hart */
    u8 priority[VPLIC_SOURCES];
    u32 level[VPLIC_WORDS];   /* line levels of level-triggered sources */
    u32 edge[VPLIC_WORDS];    /* edge requests not yet claimed */
    u32 claimed[VPLIC_WORDS]; /* claimed, not yet completed */
    struct vplic_context ctx[VPLIC_MAX_CONTEXTS];
    /* A filtered PLIC (one standing in for a passed-through host PLIC) has only the VM's own
     * sources: the others' priority and enable bits read 0 and ignore writes, and no line of
     * theirs is taken. */
    bool filtered;
    u32 own[VPLIC_WORDS];
};

/* harts: 1..VPLIC_MAX_HARTS (more are cut to the maximum). */
void vplic_init(struct vplic *p, u32 harts);
/* Filtering (see struct vplic): from then on only sources given by vplic_own exist. */
void vplic_filter(struct vplic *p);
/* A source of the VM's own (an emulated device's line, a forwarded host source); false outside
 * 1..VPLIC_SOURCES-1. */
bool vplic_own(struct vplic *p, u32 src);
/* A device's line (level-triggered) or an edge; false (nothing changes) for a source outside
 * 1..VPLIC_SOURCES-1. */
bool vplic_set_level(struct vplic *p, u32 src, bool level);
bool vplic_raise(struct vplic *p, u32 src);
/* The guest's accesses, offset from the base: 32-bit aligned words only (anything else is
 * refused: false). Reserved offsets and sources or contexts the PLIC lacks read as zero and
 * ignore writes. A read of a claim register claims. */
bool vplic_read(struct vplic *p, u64 offset, u8 width, u64 *value);
/* Whether a read at offset is a claim: the only read that changes the PLIC's state (and so,
 * maybe, a context's output). */
bool vplic_read_claims(u64 offset);
bool vplic_write(struct vplic *p, u64 offset, u8 width, u64 value);
/* Whether the source is claimed and not yet completed. */
bool vplic_in_service(const struct vplic *p, u32 src);
/* The context's interrupt output: a pending, enabled source above its threshold. */
bool vplic_context_output(const struct vplic *p, u32 context);
/* Whether the context enables src; and whether src alone drives its output (pending, enabled,
 * above its threshold). When only src's request changed, only the outputs of the contexts that
 * enable it can: a rise turns each such output on exactly when src requests for it, a fall can
 * turn off only those. (False for a context or source the PLIC lacks.) */
bool vplic_enables(const struct vplic *p, u32 context, u32 src);
bool vplic_requests(const struct vplic *p, u32 context, u32 src);

#endif
