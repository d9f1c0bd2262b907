/* Console focus switching and the hypervisor shell (docs/shell.md). */
#include <arch/spinlock.h>
#include <base/console.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/timer.h>
#include <hv/sched.h>
#include <hv/shell.h>
#include <hv/shmem.h>
#include <hv/vconsole.h>
#include <hv/virq.h>
#include <hv/virtio_dev.h>
#include <hv/vm_lifecycle.h>
#include <hv/vm.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <lib/tty_filter.h>

#define LINE_MAX 128

static spinlock_t focus_lock = SPINLOCK_INIT;
static struct vm *focus;       /* NULL: the shell */
static u32 focus_index;        /* which of focus's console ports (vm_console_port) */
static bool focus_chosen;      /* until the first Ctrl-], the first VM with a console has focus */
static char line[LINE_MAX];
static size_t line_len;


static struct console_port *live_port(struct vm *vm, u32 i)
{
    return vm && vm->state == VM_RUNNING ? vm_console_port(vm, i) : NULL;
}

/* The port with the input focus, or NULL (the shell has it). */
static struct console_port *focus_port(void)
{
    if (!focus_chosen) {
        for (u32 i = 0; i < VM_MAX; i++)
            for (u32 k = 0; k < VM_CONSOLE_PORTS; k++)
                if (live_port(vm_table[i], k))
                    return live_port(vm_table[i], k);
        return NULL;
    }
    return live_port(focus, focus_index);
}

struct vm *console_focus(void)
{
    struct console_port *p = focus_port();
    return p ? p->vm : NULL;
}

/* Shell output of any length (help, vm list of 16 VMs, ...) comes out whole, one console_write
 * per line, so a log line from another CPU can only come between two lines. */
struct out_lines {
    char line[LINE_MAX];
    size_t len;
};

static void out_flush(struct out_lines *o)
{
    console_write(o->line, o->len);
    o->len = 0;
}

static void out_sink(void *ctx, const char *s, size_t len)
{
    struct out_lines *o = ctx;
    for (size_t i = 0; i < len; i++) {
        o->line[o->len++] = s[i];
        if (s[i] == '\n' || o->len == sizeof(o->line))
            out_flush(o);
    }
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    struct out_lines o;
    o.len = 0;
    va_list ap;
    va_start(ap, fmt);
    fmt_vprint(out_sink, &o, fmt, ap);
    va_end(ap);
    if (o.len)
        out_flush(&o);
}

/* The VM whose raw bytes last reached the terminal: whatever state it put the terminal in
 * (colours, modes, a half-sent escape sequence) is reset before anyone else uses it.
 * raw_lock also orders a VM's output against a focus switch: a byte is either buffered before
 * the switch (and replayed by it) or written raw after the replay, never left behind. */
static struct vm *raw_owner;
static spinlock_t raw_lock = SPINLOCK_INIT;

static void terminal_reset_locked(void)
{
    if (raw_owner)
        console_write(TTY_RESET, sizeof(TTY_RESET) - 1);
    raw_owner = NULL;
}

void console_vm_detached(struct vm *vm)
{
    spin_lock(&raw_lock);
    if (raw_owner == vm)
        terminal_reset_locked();
    spin_unlock(&raw_lock);
}

void console_port_output(struct console_port *p, char c)
{
    struct vm *vm = p->vm;
    spin_lock(&raw_lock);
    if (focus_port() == p) { /* raw: the terminal is this VM's while it has the focus */
        if (raw_owner != vm)
            terminal_reset_locked();
        raw_owner = vm;
        console_write(&c, 1);
    } else {
        p->out[p->out_tail++ % sizeof(p->out)] = c; /* the oldest bytes go when it overflows */
        if (p->out_tail - p->out_head > sizeof(p->out))
            p->out_head = p->out_tail - sizeof(p->out);
    }
    spin_unlock(&raw_lock);
}

/* What the VM wrote while it did not have the focus: printable text only, since control
 * bytes meant for a terminal state that has since changed would only scramble it. With
 * raw_lock held (the VM's new output waits until its old output is out). */
static void show_buffered(struct console_port *vc)
{
    struct vm *vm = vc->vm;
    struct tty_filter f;
    char chunk[128];
    size_t len = 0;
    tty_filter_init(&f);
    out("\n--- console of vm%llu '%s'%s%s (Ctrl-] switches) ---\n", (unsigned long long)vm->id, vm->name,
        vc->label ? " " : "", vc->label ? vc->label : "");
    while (vc->out_head != vc->out_tail) {
        if (len + TTY_FILTER_OUT_MAX > sizeof(chunk)) {
            console_write(chunk, len);
            len = 0;
        }
        len += tty_filter_byte(&f, (u8)vc->out[vc->out_head++ % sizeof(vc->out)], chunk + len);
    }
    console_write(chunk, len);
}

static void prompt(void) { out("cvisor> "); }

/* Next console port after the current focus (a VM's UART, then its hvc0, then the next VM's),
 * then the shell, then around again. */
static void switch_focus(void)
{
    spin_lock(&raw_lock); /* no VM output gets between the old focus, the replay and the new one */
    struct console_port *cur = focus_port();
    u32 start = 0, start_port = 0;
    terminal_reset_locked(); /* the focus moves: nothing of the last VM's terminal state stays */
    if (cur) {
        start = cur->vm->index;
        start_port = (cur == vm_console_port(cur->vm, 0) ? 0 : 1) + 1;
    }
    focus_chosen = true;
    focus = NULL;
    focus_index = 0;
    struct console_port *next = NULL;
    for (u32 i = start; i < VM_MAX && !next; i++) {
        for (u32 k = i == start ? start_port : 0; k < VM_CONSOLE_PORTS && !next; k++) {
            if ((next = live_port(vm_table[i], k))) {
                focus = vm_table[i];
                focus_index = k;
            }
        }
    }
    if (next)
        show_buffered(next);
    spin_unlock(&raw_lock);
    if (!next) {
        out("\n--- cvisor shell (help for commands, Ctrl-] switches) ---\n");
        prompt();
    }
}

static struct vm *vm_by_id(const char *arg)
{
    u64 id = 0;
    if (!*arg)
        return NULL;
    for (const char *p = arg; *p; p++) {
        if (*p < '0' || *p > '9')
            return NULL;
        id = id * 10 + (u64)(*p - '0');
    }
    for (u32 i = 0; i < VM_MAX; i++)
        if (vm_table[i] && vm_table[i]->id == id)
            return vm_table[i];
    return NULL;
}

static const char *state_name(const struct vm *vm)
{
    if (vm->paused && vm->state == VM_RUNNING)
        return "paused";
    switch (vm->state) {
    case VM_RUNNING: return "running";
    case VM_ENDING: return "stopping";
    case VM_ENDED: return "stopped";
    default: return "created";
    }
}

static void cmd_list(void)
{
    out("  ID  NAME              STATE     VCPUS  MEMORY    EXITS\n");
    for (u32 i = 0; i < VM_MAX; i++) {
        struct vm *vm = vm_table[i];
        if (vm)
            out("  %-3llu %-17s %-9s %-6u %-5llu MiB %llu\n", (unsigned long long)vm->id, vm->name, state_name(vm),
                vm->config->cpu_num, (unsigned long long)(vm->ram_bytes >> 20), (unsigned long long)vm_exit_count(vm));
    }
}

static void cmd_stats(struct vm *vm)
{
    out("vm%llu '%s': %llu exits, %llu interrupts injected, %u restarts, %llu lazy page faults (%llu zeroing a "
        "LAZY page not zeroed ahead)\n",
        (unsigned long long)vm->id, vm->name, (unsigned long long)vm_exit_count(vm), (unsigned long long)virq_injected(vm),
        vm->restarts, (unsigned long long)vm->lazy_faults, (unsigned long long)vm->lazy_zeroed_on_fault);
    /* a copy: the VM may restart itself (and free its vCPUs) while this prints */
    static struct vm_vcpu_stat st[VM_MAX_VCPUS];
    u32 n = vm_vcpu_stats(vm, st, VM_MAX_VCPUS);
    for (u32 i = 0; i < n; i++) {
        const struct vcpu_stats *s = &st[i].stats;
        out("  vcpu%u on pCPU %u: %llu exits (hypercalls %llu, MMIO %llu, WFI %llu, IRQ %llu); %llu ms in the guest, "
            "%llu ms in the hypervisor\n",
            i, st[i].pcpu, (unsigned long long)s->exits, (unsigned long long)s->hypercalls,
            (unsigned long long)s->mmio, (unsigned long long)s->halts, (unsigned long long)s->irqs,
            (unsigned long long)(s->guest_ticks * 1000 / timer_freq()),
            (unsigned long long)(s->hv_ticks * 1000 / timer_freq()));
    }
    struct virtio_net_info net;
    if (virtio_net_info(vm, &net)) {
        const struct vswitch_port_stats *p = &net.st;
        out("  net %02x:%02x:%02x:%02x:%02x:%02x on network %u: sent %llu frames (%llu bytes), %llu refused, "
            "%llu over the flood limit; "
            "received %llu frames (%llu bytes); dropped for it: %llu queue full, %llu no receiver\n",
            net.mac[0], net.mac[1], net.mac[2], net.mac[3], net.mac[4], net.mac[5], net.network,
            (unsigned long long)p->tx_frames, (unsigned long long)p->tx_bytes, (unsigned long long)p->tx_dropped,
            (unsigned long long)p->tx_dropped_flood,
            (unsigned long long)p->rx_frames, (unsigned long long)p->rx_bytes,
            (unsigned long long)p->rx_dropped_full, (unsigned long long)p->rx_dropped_absent);
    }
}

static void cmd_mem(void)
{
    u64 total = mm_total_page_count(), free = mm_free_page_count();
    out("pages: %llu free, %llu used, %llu total (4 KiB each)\n", (unsigned long long)free,
        (unsigned long long)(total - free), (unsigned long long)total);
}

static void cmd_help(void)
{
    out("commands:\n"
        "  vm list              VMs with state, vCPUs, memory, exits\n"
        "  vm stats ID          exits by reason, injected interrupts, network frames\n"
        "  vm stop ID           stop the VM and free its memory\n"
        "  vm start ID          start a stopped VM again (images reloaded)\n"
        "  vm restart ID        stop, then start\n"
        "  vm create PATH       a VM from a config file on the disk (APP_FEATURES=fs)\n"
        "  vm pause ID / vm resume ID\n"
        "  mem                  free and used host pages\n"
        "  shmem                shared memory regions and their users\n"
        "  help\n"
        "Ctrl-] moves the console to the next VM, then back to this shell.\n");
}

/* `vm` subcommands that take a VM id. */
static const char *const id_commands[] = {"stats", "stop", "start", "restart", "pause", "resume"};

static bool is_id_command(const char *w)
{
    for (size_t i = 0; i < ARRAY_SIZE(id_commands); i++)
        if (!strcmp(w, id_commands[i]))
            return true;
    return false;
}

static void cmd_pause_resume(struct vm *vm, bool pause)
{
    if (virq_passthrough(vm))
        return out("vm%llu drives the " VM_ARCH_IRQCHIP_NAME " of its pCPUs itself (interrupt passthrough): it cannot be "
                   "paused, only stopped\n", (unsigned long long)vm->id);
    /* A VM restarting itself (ending for a reset) is paused or resumed as it comes back. Its
     * state and end reason change together under its lock (vm_request_end, vm_start). */
    spin_lock(&vm->lock);
    bool live = vm->state == VM_RUNNING || (vm->state == VM_ENDING && vm->end_reason == VM_END_RESET);
    if (live)
        vm->paused = pause;
    spin_unlock(&vm->lock);
    if (!live)
        return out("vm%llu '%s' is %s, not running\n", (unsigned long long)vm->id, vm->name, state_name(vm));
    for (u64 cpus = vm_vcpu_pcpus(vm); cpus; cpus &= cpus - 1) /* running vCPUs leave, paused ones come back */
        sched_kick((u32)__builtin_ctzll(cpus));
    out("vm%llu %s\n", (unsigned long long)vm->id, pause ? "paused" : "resumed");
}

static void run_command(char *cmd)
{
    char *words[4] = {cmd, "", "", ""};
    int n = 1;
    for (char *p = cmd; *p && n < 4; p++) {
        if (*p == ' ') {
            *p = '\0';
            while (p[1] == ' ')
                p++;
            words[n++] = p + 1;
        }
    }
    if (!*words[0])
        return;
    if (!strcmp(words[0], "help"))
        return cmd_help();
    if (!strcmp(words[0], "mem"))
        return cmd_mem();
    if (!strcmp(words[0], "shmem"))
        return shmem_list(out);
    if (strcmp(words[0], "vm") != 0)
        return out("unknown command '%s' (try help)\n", words[0]);
    if (!*words[1])
        return out("usage: vm list | vm create PATH | vm stats|stop|start|restart|pause|resume ID\n");
    if (!strcmp(words[1], "list"))
        return cmd_list();
    if (!strcmp(words[1], "create")) {
        if (!*words[2])
            return out("usage: vm create PATH (a VM config file on the disk, e.g. /guest/vm_default/linux.toml)\n");
        return (void)vm_shell_create(words[2]);
    }
    if (!is_id_command(words[1]))
        return out("unknown command 'vm %s' (try help)\n", words[1]);
    if (!*words[2])
        return out("usage: vm %s ID (vm list shows the ids)\n", words[1]);
    struct vm *vm = vm_by_id(words[2]);
    if (!vm)
        return out("no VM with id '%s' (vm list shows them)\n", words[2]);
    if (!strcmp(words[1], "stats"))
        return cmd_stats(vm);
    if (!strcmp(words[1], "pause") || !strcmp(words[1], "resume"))
        return cmd_pause_resume(vm, !strcmp(words[1], "pause"));
    if (!strcmp(words[1], "stop"))
        return (void)vm_shell_stop(vm);
    if (!strcmp(words[1], "start"))
        return (void)vm_shell_start(vm);
    /* restart */
    if (vm->state != VM_RUNNING)
        return (void)vm_shell_start(vm);
    vm_request_end(vm, VM_END_RESET, "restart from the shell");
    out("vm%llu restarting\n", (unsigned long long)vm->id);
}

static volatile bool command_ready;
/* Input typed while a command runs (`vm stop` waits for the VM): kept, and read as typed when
 * the command is done, like a terminal's type-ahead. */
static spinlock_t input_lock = SPINLOCK_INIT;
static char typeahead[LINE_MAX];
static size_t typeahead_len;

bool shell_pending(void) { return __atomic_load_n(&command_ready, __ATOMIC_ACQUIRE); }

/* With input_lock held. */
static void shell_char(char c)
{
    if (command_ready) {
        if (typeahead_len < sizeof(typeahead))
            typeahead[typeahead_len++] = c;
        return;
    }
    if (c == '\r' || c == '\n') {
        out("\n");
        line[line_len] = '\0';
        __atomic_store_n(&command_ready, true, __ATOMIC_RELEASE);
        sched_request_exit(sched_shell_cpu());
    } else if (c == 0x7f || c == '\b') {
        if (line_len) {
            line_len--;
            out("\b \b");
        }
    } else if (line_len < LINE_MAX - 1 && c >= ' ') {
        line[line_len++] = c;
        console_write(&c, 1);
    }
}

/* Runs a command typed into the shell. Called from the run loop of the shell CPU (CPU 0 unless
 * a passthrough VM holds it), not from the UART's interrupt: commands load images from the
 * disk, whose completion interrupts must be taken. */
void shell_poll(void)
{
    if (!__atomic_load_n(&command_ready, __ATOMIC_ACQUIRE))
        return;
    run_command(line);
    spin_lock(&input_lock);
    line_len = 0;
    __atomic_store_n(&command_ready, false, __ATOMIC_RELEASE);
    if (!console_focus())
        prompt();
    char pending[LINE_MAX];
    size_t n = typeahead_len;
    memcpy(pending, typeahead, n);
    typeahead_len = 0;
    for (size_t i = 0; i < n; i++) /* a second command in there is kept for after this one */
        shell_char(pending[i]);
    spin_unlock(&input_lock);
}

void shell_input(char c)
{
    spin_lock(&focus_lock);
    if (c == CONSOLE_ESCAPE) {
        switch_focus();
        spin_unlock(&focus_lock);
        return;
    }
    struct console_port *port = focus_port();
    /* Typed for a VM that is restarting (its console is being rebuilt): dropped, never taken
     * as shell commands. */
    bool restarting = !port && focus_chosen && focus && focus->state != VM_ENDED;
    spin_unlock(&focus_lock);
    if (port) {
        port->input(port, c);
        return;
    }
    if (restarting)
        return;
    spin_lock(&input_lock);
    shell_char(c);
    spin_unlock(&input_lock);
}
