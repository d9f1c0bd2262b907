/* The guest's linear addresses reached through its own paging (<arch/guest_linear.h>). */
#include <arch/guest_linear.h>
#include <arch/x86_vendor.h>
#include <hv/vm.h>
#include <lib/string.h>

struct read_ctx {
    struct vm *vm;
    struct x86_walk_record *record;
};

/* A page-table entry of the guest, read from its RAM (anything else ends the walk). */
static bool read_guest(void *ctx, u64 addr, unsigned bytes, u64 *value)
{
    struct read_ctx *c = ctx;
    const void *p = vm_gpa_in_ram(c->vm, gpa(addr), bytes) ? vm_gpa_to_hva(c->vm, gpa(addr), bytes) : NULL;
    if (!p)
        return false;
    *value = 0;
    memcpy(value, p, bytes);
    x86_walk_record_add(c->record, p, *value, bytes);
    return true;
}

struct x86_paging x86_guest_paging(struct vcpu *v)
{
    return (struct x86_paging){x86_vendor->get(v, X86_CR0), x86_vendor->get(v, X86_CR3), x86_vendor->get(v, X86_CR4),
                               x86_vendor->get(v, X86_EFER)};
}

int x86_guest_linear_to_gpa(struct vm *vm, const struct x86_paging *pg, u64 la, u64 *gpa_out,
                            struct x86_walk_record *record)
{
    struct read_ctx ctx = {.vm = vm, .record = record};
    return x86_guest_translate(pg, la, read_guest, &ctx, gpa_out);
}

void *x86_guest_linear_ptr(struct vcpu *v, u64 la, size_t len, u64 *gpa_out)
{
    struct x86_paging pg = x86_guest_paging(v);
    struct x86_walk_record record = {0};
    u64 g;
    *gpa_out = 0;
    if (x86_guest_linear_to_gpa(v->vm, &pg, la, &g, &record) != 0)
        return NULL;
    *gpa_out = g;
    return vm_gpa_in_ram(v->vm, gpa(g), len) ? vm_gpa_to_hva(v->vm, gpa(g), len) : NULL;
}
