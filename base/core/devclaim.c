/* Device range ownership (see devclaim.h). A small table: a board has tens of devices. */
#include <arch/spinlock.h>
#include <base/devclaim.h>
#include <lib/string.h>

#define MAX_CLAIMS 96

static struct dev_claim claims[MAX_CLAIMS];
static spinlock_t lock;

static bool overlaps(const struct dev_claim *c, u64 base, u64 size)
{
    return c->owner && base < c->base + c->size && c->base < base + size;
}

int dev_claim(u64 base, u64 size, const void *owner, const char *what, const struct dev_claim **conflict)
{
    struct dev_claim *free_slot = NULL;
    int r = 0;
    if (conflict)
        *conflict = NULL;
    spin_lock(&lock);
    for (u32 i = 0; i < MAX_CLAIMS; i++) {
        struct dev_claim *c = &claims[i];
        if (overlaps(c, base, size) && c->owner != owner) {
            if (conflict)
                *conflict = c;
            r = -1;
            goto out;
        }
        if (!c->owner && !free_slot)
            free_slot = c;
    }
    if (!free_slot) {
        r = -1;
        goto out;
    }
    free_slot->base = base;
    free_slot->size = size;
    free_slot->owner = owner;
    str_copy(free_slot->what, what, sizeof(free_slot->what));
out:
    spin_unlock(&lock);
    return r;
}

const struct dev_claim *dev_claim_find(u64 base, u64 size)
{
    const struct dev_claim *found = NULL;
    spin_lock(&lock);
    for (u32 i = 0; i < MAX_CLAIMS && !found; i++)
        if (overlaps(&claims[i], base, size))
            found = &claims[i];
    spin_unlock(&lock);
    return found;
}

size_t dev_claim_list(const void *owner, struct dev_claim *out, size_t max)
{
    size_t n = 0;
    spin_lock(&lock);
    for (u32 i = 0; i < MAX_CLAIMS && n < max; i++)
        if (claims[i].owner && claims[i].owner == owner)
            out[n++] = claims[i];
    spin_unlock(&lock);
    return n;
}

void dev_release_all(const void *owner)
{
    spin_lock(&lock);
    for (u32 i = 0; i < MAX_CLAIMS; i++)
        if (claims[i].owner == owner)
            claims[i].owner = NULL;
    spin_unlock(&lock);
}
