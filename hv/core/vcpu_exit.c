/* Exit reports (<hv/vcpu_exit.h>) that every architecture's exit decoding fills in: a leaf
 * service, calling nothing of the hypervisor. */
#include <hv/vcpu_exit.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <stdarg.h>

void vcpu_exit_fault(struct vcpu_exit *exit, u64 addr, bool has_addr, const char *fmt, ...)
{
    va_list ap;
    memset(&exit->fault, 0, sizeof(exit->fault));
    exit->reason = VCPU_EXIT_FAULT;
    exit->fault.addr = gpa(addr);
    exit->fault.has_addr = has_addr;
    va_start(ap, fmt);
    fmt_vsnprintf(exit->fault.what, sizeof(exit->fault.what), fmt, ap);
    va_end(ap);
}
