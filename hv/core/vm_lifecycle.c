/* The life cycle of VMs: the boot-time VMs created from their configs, a VM's end (restarted,
 * or reported and released; the last one out powers the machine off), and the shell's create,
 * stop and start. */
#include <base/boot.h>
#include <base/devclaim.h>
#include <base/heap.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/platform.h>
#include <base/timer.h>
#include <hv/arch.h>
#include <hv/image.h>
#include <hv/sched.h>
#include <hv/vm.h>
#include <hv/vm_lifecycle.h>
#include <hv/vmfs.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define CONFIG_ARENA_MIN KiB(64)

static u32 vms_alive;
static spinlock_t lifecycle_lock = SPINLOCK_INIT;

/* Diagnostics from config parsing and VM creation go to the log, naming file, line and field. */
static void diag_to_log(void *ctx, enum diag_level level, const char *file, int line, const char *field,
                        const char *msg)
{
    (void)ctx;
    enum log_level l = level == DIAG_ERROR ? LOG_ERROR : LOG_WARN;
    if (line > 0)
        LOG_AT(l, LOG_NO_VM, "%s:%d: %s%s%s", file, line, field ? field : "", field ? ": " : "", msg);
    else
        LOG_AT(l, LOG_NO_VM, "%s: %s%s%s", file, field ? field : "", field ? ": " : "", msg);
}

static int embedded_image_size(void *ctx, const char *name, u64 *size)
{
    (void)ctx;
    const struct embedded_file *f = image_find(name);
    if (!f)
        return -1;
    *size = f->size;
    return 0;
}

static void host_info(struct vm_host_info *h)
{
    struct mem_range r[8];
    memset(h, 0, sizeof(*h));
    h->ram_count = mm_ram_ranges(r, ARRAY_SIZE(h->ram));
    for (size_t i = 0; i < h->ram_count; i++) {
        h->ram[i].base = hpa(r[i].base);
        h->ram[i].size = r[i].size;
    }
    h->reserved_count = mm_reserved_ranges(r, ARRAY_SIZE(h->reserved));
    for (size_t i = 0; i < h->reserved_count; i++) {
        h->reserved[i].base = hpa(r[i].base);
        h->reserved[i].size = r[i].size;
    }
    struct mem_range fw[ARRAY_SIZE(h->fw_reserved)];
    h->fw_reserved_count = mm_firmware_reserved_ranges(fw, ARRAY_SIZE(fw));
    for (size_t i = 0; i < h->fw_reserved_count; i++) {
        h->fw_reserved[i].base = hpa(fw[i].base);
        h->fw_reserved[i].size = fw[i].size;
    }
    struct dev_claim devs[ARRAY_SIZE(h->hv_devices)];
    h->hv_device_count = dev_claim_list(DEVCLAIM_HYPERVISOR, devs, ARRAY_SIZE(devs));
    for (size_t i = 0; i < h->hv_device_count; i++) {
        h->hv_devices[i].base = hpa(devs[i].base);
        h->hv_devices[i].size = devs[i].size;
        str_copy(h->hv_devices[i].what, devs[i].what, sizeof(h->hv_devices[i].what));
    }
    h->console_base = hpa(boot_info.uart_base);
    h->ipa_limit = vm_arch_ipa_limit();
    h->cpu_count = cpu_count();
    for (u32 c = 0; c < cpu_count(); c++)
        h->cpu_hwid[c] = cpu_hwid(c);
    vm_arch_host_info(h);
    h->fdt = &boot_info.fdt;
    h->image_size = embedded_image_size;
}

struct config_list {
    struct vm_config **cfgs;
    size_t n, max;
    struct diag *diag;
};

/* Parses one config text; a rejected one is reported and skipped. */
static void add_config(const char *name, const char *text, size_t len, void *ctx)
{
    struct config_list *list = ctx;
    if (list->n == list->max) {
        pr_err("%s: more than %zu VMs; skipped", name, list->max);
        return;
    }
    struct vm_config *cfg = kzalloc(sizeof(*cfg));
    size_t arena_size = MAX(CONFIG_ARENA_MIN, len * 16);
    void *arena = kmalloc(arena_size);
    if (!cfg || !arena) {
        pr_err("%s: out of memory while reading the config", name);
        kfree(cfg);
        kfree(arena);
        return;
    }
    unsigned before = list->diag->errors;
    vm_config_parse(cfg, name, text, len, arena, arena_size, list->diag);
    kfree(arena);
    if (list->diag->errors != before) {
        pr_err("%s: config rejected; this VM is skipped", name);
        kfree(cfg);
        return;
    }
    list->cfgs[list->n++] = cfg;
}

/* The configs built in (VM_CONFIGS), then those on the disk (APP_FEATURES=fs). */
static size_t load_configs(struct vm_config **cfgs, size_t max, struct diag *d)
{
    struct config_list list = {cfgs, 0, max, d};
    for (u64 i = 0; i < embedded_file_count; i++)
        if (embedded_files[i].kind == EMBEDDED_CONFIG)
            add_config(embedded_files[i].name, (const char *)embedded_files[i].data, embedded_files[i].size, &list);
    if (vmfs_present())
        vmfs_for_each_config(add_config, &list);
    return list.n;
}

static const char *image_source(const struct vm_config *c)
{
    return c->image_location == VM_IMAGE_FS ? "from disk" : "built in";
}

static void print_vm(const struct vm *vm)
{
    char cpus[64];
    size_t len = 0;
    for (u32 i = 0; i < vm->vcpu_count && len + 4 < sizeof(cpus); i++)
        len += (size_t)fmt_snprintf(cpus + len, sizeof(cpus) - len, "%s%u", i ? "," : "", vm->vcpus[i]->pcpu);
    pr_info("vm%llu '%s': %u vCPU%s on pCPU %s, %llu MiB RAM, kernel '%s' (%s)", (unsigned long long)vm->id,
            vm->name, vm->vcpu_count, vm->vcpu_count == 1 ? "" : "s", cpus,
            (unsigned long long)(vm->ram_bytes >> 20), vm->config->kernel.path, image_source(vm->config));
}

static struct vm_host_info host_facts;

/* Creates the VMs of the boot-time configs; returns how many there are. */
u32 vm_lifecycle_create_all(void)
{
    struct diag d = {.report = diag_to_log};
    struct vm_config *cfgs[VM_MAX];
    struct vm_host_info *host = &host_facts;
    host_info(host);

    size_t n = load_configs(cfgs, VM_MAX, &d);
    bool ok[VM_MAX];
    for (size_t i = 0; i < n; i++) {
        unsigned before = d.errors;
        ok[i] = vm_config_validate(cfgs[i], host, &d) == 0 && d.errors == before;
        if (!ok[i])
            pr_err("%s: VM '%s' is invalid and skipped", cfgs[i]->file, cfgs[i]->name);
    }
    bool valid[VM_MAX];
    memcpy(valid, ok, sizeof(ok));
    vm_config_check_set((const struct vm_config *const *)cfgs, n, ok, &d);
    for (size_t i = 0; i < n; i++)
        if (valid[i] && !ok[i])
            pr_err("%s: VM '%s' conflicts with another VM and is skipped", cfgs[i]->file, cfgs[i]->name);

    for (size_t i = 0; i < n; i++) {
        if (!ok[i]) {
            kfree(cfgs[i]);
            continue;
        }
        struct vm *vm = vm_create(cfgs[i], host, &d);
        if (!vm) {
            pr_err("%s: VM '%s' could not be created and is skipped", cfgs[i]->file, cfgs[i]->name);
            kfree(cfgs[i]);
            continue;
        }
        print_vm(vm);
        vms_alive++;
    }
    /* What the allocators hold now, for make bench's RAM rows (docs/bench.md, "Scale"): pages in
     * use (the image, static data, the VMs' memory, tables, heap arenas) and the heap arenas'
     * bytes not handed out. */
    pr_info("memory: %llu B of pages in use, heap slack %llu B",
            (unsigned long long)((mm_total_page_count() - mm_free_page_count()) * PAGE_SIZE),
            (unsigned long long)(mm_heap_view->total - mm_heap_view->used));
    return vms_alive;
}

static void print_summary_and_poweroff(void)
{
    pr_info("all VMs have ended:");
    for (u32 i = 0; i < VM_MAX; i++) {
        struct vm *vm = vm_table[i];
        if (vm)
            pr_info("  vm%llu '%s': %s (%s), %llu exits", (unsigned long long)vm->id, vm->name,
                    vm_end_reason_name(vm->end_reason), vm->end_detail, (unsigned long long)vm_exit_count(vm));
    }
    pr_info("cvisor: powering off");
    platform_poweroff();
}

/* Called on the pCPU that stopped a VM's last vCPU. */
void vm_finish(struct vm *vm)
{
    vm_console_flush(vm);
    /* A `vm stop` typed while the VM was resetting itself wins over the reset. */
    if (vm->end_reason == VM_END_RESET && __atomic_load_n(&vm->stopped_by_shell, __ATOMIC_SEQ_CST)) {
        vm->end_reason = VM_END_SHUTDOWN;
        str_copy(vm->end_detail, "stopped from the shell", sizeof(vm->end_detail));
    }
    if (vm->end_reason == VM_END_RESET) {
        struct diag d = {.report = diag_to_log};
        LOG_AT(LOG_INFO, (long)vm->id, "vm%llu '%s' is restarting (%s)", (unsigned long long)vm->id, vm->name,
               vm->end_detail);
        if (vm_restart(vm, &host_facts, &d) == 0)
            return;
        vm->end_reason = VM_END_FAULT;
        str_copy(vm->end_detail, "restart failed", sizeof(vm->end_detail));
    }
    enum log_level l = vm->end_reason == VM_END_FAULT ? LOG_ERROR : LOG_INFO;
    LOG_AT(l, (long)vm->id, "vm%llu '%s' ended: %s (%s)", (unsigned long long)vm->id, vm->name,
           vm_end_reason_name(vm->end_reason), vm->end_detail);
    vm_release(vm);
    vm->state = VM_ENDED;
    spin_lock(&lifecycle_lock);
    bool last = --vms_alive == 0;
    spin_unlock(&lifecycle_lock);
    if (!last)
        return;
    if (!vm->stopped_by_shell)
        print_summary_and_poweroff();
    /* The user at the shell stopped the last VM: it may be started again. */
    pr_info("no VM is running: `vm start ID` starts one again; Ctrl-A x quits QEMU");
}

/* Shell: a new VM from a config file on the disk, checked like the boot-time ones. */
int vm_shell_create(const char *path)
{
    struct diag d = {.report = diag_to_log};
    struct vm_config *cfgs[VM_MAX + 1];
    u64 size;
    char *text;
    if (!vmfs_present()) {
        pr_err("vm create: no disk (build with APP_FEATURES=fs and attach one)");
        return -1;
    }
    if (vmfs_size(path, &size) != 0 || size > KiB(64) || !(text = kmalloc(size + 1))) {
        pr_err("vm create: disk:%s: not found or larger than 64 KiB", path);
        return -1;
    }
    struct vm_config *created[1];
    struct config_list list = {created, 0, 1, &d};
    if (vmfs_read(path, text, size) >= 0)
        add_config(path, text, size, &list);
    kfree(text);
    if (!list.n)
        return -1;
    /* Check the new config against the machine and against every VM that exists. */
    bool ok[VM_MAX + 1];
    size_t n = 0;
    for (u32 i = 0; i < VM_MAX; i++) {
        if (vm_table[i]) {
            ok[n] = true;
            cfgs[n++] = vm_table[i]->config;
        }
    }
    cfgs[n] = created[0];
    ok[n] = vm_config_validate(cfgs[n], &host_facts, &d) == 0;
    vm_config_check_set((const struct vm_config *const *)cfgs, n + 1, ok, &d);
    struct vm *vm = ok[n] ? vm_create(cfgs[n], &host_facts, &d) : NULL;
    if (!vm) {
        pr_err("vm create: %s: not created", path);
        kfree(cfgs[n]);
        return -1;
    }
    print_vm(vm);
    spin_lock(&lifecycle_lock);
    vms_alive++;
    spin_unlock(&lifecycle_lock);
    vm_start(vm);
    return 0;
}

#define SHELL_WAIT_NS 5000000000ull /* how long a shell command waits for a VM to stop */

/* Shell: stop a running VM; returns when it has stopped (its memory freed). A VM in the middle
 * of resetting itself is stopped too: vm_finish sees the flag and ends it instead of restarting
 * it, or, if it had already decided to restart, the VM is stopped once it runs again. */
int vm_shell_stop(struct vm *vm)
{
    unsigned long long id = vm->id;
    if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_ENDED) {
        pr_info("vm%llu '%s' is not running", id, vm->name);
        return -1;
    }
    vm->paused = false;
    __atomic_store_n(&vm->stopped_by_shell, true, __ATOMIC_SEQ_CST);
    pr_info("vm%llu '%s' stopping...", id, vm->name);
    u64 deadline = timer_ns() + SHELL_WAIT_NS;
    for (;;) {
        enum vm_state st = __atomic_load_n(&vm->state, __ATOMIC_SEQ_CST);
        if (st == VM_ENDED)
            break;
        if (st == VM_RUNNING)
            vm_request_end(vm, VM_END_SHUTDOWN, "stopped from the shell");
        u64 now = timer_ns();
        if (now >= deadline || !sched_wait_ended(vm, deadline - now)) {
            pr_warn("vm%llu '%s' is still stopping; `vm list` shows when it has stopped", id, vm->name);
            return -1;
        }
    }
    pr_info("vm%llu '%s' stopped", id, vm->name);
    return 0;
}

/* Shell: start a stopped VM again from its config, images reloaded. A VM still stopping is
 * waited for. */
int vm_shell_start(struct vm *vm)
{
    struct diag d = {.report = diag_to_log};
    if (vm->state == VM_ENDING && !sched_wait_ended(vm, SHELL_WAIT_NS)) {
        pr_warn("vm%llu '%s' is still stopping; try again when `vm list` shows it stopped",
                (unsigned long long)vm->id, vm->name);
        return -1;
    }
    if (vm->state != VM_ENDED) {
        pr_info("vm%llu '%s' is running; only a stopped VM can be started", (unsigned long long)vm->id, vm->name);
        return -1;
    }
    __atomic_store_n(&vm->stopped_by_shell, false, __ATOMIC_SEQ_CST);
    if (vm_restart(vm, &host_facts, &d) != 0) {
        vm->state = VM_ENDED;
        return -1;
    }
    spin_lock(&lifecycle_lock);
    vms_alive++;
    spin_unlock(&lifecycle_lock);
    print_vm(vm);
    return 0;
}
